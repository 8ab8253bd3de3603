import type { ResponseFormat } from './language-model.js';

/**
 * Structured output for protocols without a response-format field (Anthropic
 * Messages, API version 2023-06-01): the schema goes into the system prompt
 * and the answer is validated afterwards. Nothing constrains the model's
 * decoding, so a mismatch is likelier than with OpenAI's strict mode.
 */
export function jsonAnswerInstruction(format: ResponseFormat): string {
  return [
    `When you give your final answer (rather than calling a tool), reply with only a JSON object named "${format.name}" that matches the JSON Schema below: no prose before or after it, no markdown code fence.`,
    ...(format.description ? [`What it is for: ${format.description}`] : []),
    JSON.stringify(format.schema),
  ].join('\n');
}
