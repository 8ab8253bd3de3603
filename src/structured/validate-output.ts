import type { FinishReason, StructuredOutcome } from '../protocol/messages.js';
import type { OutputSpec } from './output-spec.js';
import { readOutputSchema } from './output-spec.js';

// Models without a constrained decoder (Anthropic here) sometimes wrap JSON in a markdown fence.
const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i;

const maxIssuesListed = 10;

/**
 * Parses the final assistant text as JSON and validates it against the run's
 * output schema. The message names the field paths that did not match, so a
 * failed run says what to fix (in the schema, the prompt or the model).
 */
export function validateStructuredOutput(text: string, spec: OutputSpec, finishReason?: FinishReason): StructuredOutcome {
  const trimmed = text.trim();
  const body = fenced.exec(trimmed)?.[1] ?? trimmed;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    const cut = finishReason === 'length' ? ' (the answer was cut off: finish reason "length")' : '';
    const preview = trimmed.length > 80 ? `${trimmed.slice(0, 80)}…` : trimmed;
    return { valid: false, message: `the final answer is not JSON${cut}: ${why}; it begins ${JSON.stringify(preview)}` };
  }
  const read = readOutputSchema(spec.schema);
  if (!read.ok) return { valid: false, message: read.message };
  const parsed = read.validator.safeParse(value);
  if (parsed.success) return { valid: true, value: parsed.data };
  const issues = parsed.error.issues.slice(0, maxIssuesListed).map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`);
  const more = parsed.error.issues.length > maxIssuesListed ? `; and ${parsed.error.issues.length - maxIssuesListed} more` : '';
  return { valid: false, message: `the final answer does not match the output schema: ${issues.join('; ')}${more}` };
}
