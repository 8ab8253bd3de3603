/**
 * The demo model's structured answer: a JSON value built from the requested
 * schema's shape, with plausible values taken from the conversation where a
 * property's name suggests one (an answer, a number a tool computed). Best
 * effort, so `runstream run … --output-schema` shows the feature without a
 * key; it reads the common keywords only (type, properties, items, enum,
 * const, anyOf/oneOf, default, examples).
 */

export interface DemoJsonHints {
  /** The prose answer the demo model would have given. */
  answer: string;
  /** A number a tool computed, if any (e.g. the calculator's result). */
  number?: number | undefined;
}

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

export function demoJsonFor(schema: unknown, hints: DemoJsonHints, name = '', depth = 0): unknown {
  if (!isSchema(schema) || depth > 8) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  const alternatives = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(alternatives)) {
    const first = alternatives.find((candidate) => isSchema(candidate) && candidate.type !== 'null') ?? alternatives[0];
    return demoJsonFor(first, hints, name, depth + 1);
  }
  const type = Array.isArray(schema.type) ? (schema.type as unknown[]).find((candidate) => candidate !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const properties = isSchema(schema.properties) ? schema.properties : {};
      return Object.fromEntries(Object.entries(properties).map(([key, property]) => [key, demoJsonFor(property, hints, key, depth + 1)]));
    }
    case 'array': {
      const count = typeof schema.minItems === 'number' ? Math.max(1, schema.minItems) : 1;
      return Array.from({ length: count }, () => demoJsonFor(schema.items, hints, name, depth + 1));
    }
    case 'integer':
      return Math.round(numberFor(schema, hints));
    case 'number':
      return numberFor(schema, hints);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return stringFor(schema, hints, name);
  }
}

function numberFor(schema: Schema, hints: DemoJsonHints): number {
  const value = hints.number ?? 42;
  const minimum = typeof schema.minimum === 'number' ? schema.minimum : -Infinity;
  const maximum = typeof schema.maximum === 'number' ? schema.maximum : Infinity;
  return Math.min(maximum, Math.max(minimum, value));
}

function stringFor(schema: Schema, hints: DemoJsonHints, name: string): string {
  if (schema.format === 'date-time') return new Date(0).toISOString();
  if (schema.format === 'date') return '1970-01-01';
  if (schema.format === 'email') return 'demo@example.com';
  if (schema.format === 'uri' || schema.format === 'url') return 'https://example.com/';
  let text = /answer|summary|text|explanation|reason|description|message|content|result/i.test(name) ? hints.answer : `demo ${name || 'value'}`;
  if (typeof schema.maxLength === 'number') text = text.slice(0, schema.maxLength);
  if (typeof schema.minLength === 'number' && text.length < schema.minLength) text = text.padEnd(schema.minLength, '.');
  return text;
}
