/**
 * How the demo model picks the user's own tools: a tool is called when a
 * distinctive word of its name appears in the prompt ("order" for
 * `lookup_order`, "faq" for `faq_search`), with arguments made up from its
 * JSON Schema and the prompt. Enough to show a config tool running without a
 * model key; a real model decides properly.
 */

/** Verbs too common in tool names to say which tool a prompt means. */
const genericWords = new Set(['get', 'set', 'list', 'find', 'lookup', 'look', 'fetch', 'run', 'call', 'use', 'the', 'and', 'for', 'tool']);

const wordsOf = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

export function matchingTools(prompt: string, tools: { name: string; parameters?: Record<string, unknown> | undefined }[]) {
  const said = new Set(wordsOf(prompt));
  return tools
    .filter((tool) => wordsOf(tool.name).some((word) => word.length >= 3 && !genericWords.has(word) && said.has(word)))
    .map((tool) => ({ name: tool.name, arguments: argumentsFor(prompt, tool.parameters ?? {}) }));
}

/** Required properties (all of them when none is required) filled from the prompt: ids and numbers from its first number. */
function argumentsFor(prompt: string, schema: Record<string, unknown>): Record<string, unknown> {
  const properties = (typeof schema.properties === 'object' && schema.properties !== null ? schema.properties : {}) as Record<string, Record<string, unknown>>;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : Object.keys(properties);
  const number = prompt.match(/\d+/)?.[0];
  const args: Record<string, unknown> = {};
  for (const name of required) {
    const property = properties[name] ?? {};
    if (Array.isArray(property.enum) && property.enum.length > 0) args[name] = property.enum[0];
    else if (property.type === 'number' || property.type === 'integer') args[name] = Number(number ?? 1);
    else if (property.type === 'boolean') args[name] = false;
    else if (number && /id$|number|code/i.test(name)) args[name] = number;
    else args[name] = prompt.slice(0, 200);
  }
  return args;
}
