import { createHash } from 'node:crypto';

/** The providers' rule for function names (OpenAI, Anthropic): letters, digits, `_` and `-`, 1 to 64 of them. */
export const toolNamePattern = /^[a-zA-Z0-9_-]{1,64}$/;
export const toolNameRule = 'letters, digits, _ and -, at most 64 characters';
const maxLength = 64;

export const isToolName = (name: string) => toolNamePattern.test(name);

/**
 * The catalogue name of an MCP server's tool: `<server>_<tool>` when that
 * fits the rule. Otherwise other characters become `_`, the name is cut to
 * 55 characters and ends with `_` and 8 hex digits of a hash of the full name,
 * so the same server and tool always get the same name and two names that
 * only differ past the cut (or in a replaced character) do not collide.
 */
export function mcpToolName(server: string, tool: string): string {
  const full = `${server}_${tool}`;
  if (isToolName(full)) return full;
  const digest = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, maxLength - digest.length - 1)}_${digest}`;
}
