import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toWireRequest } from '../../../src/client/typed-output.js';
import { createRunRequestSchema, issuesOf } from '../../../src/runs/run-request.js';
import { validateStructuredOutput } from '../../../src/structured/validate-output.js';

const weather = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    celsius: { type: 'number' },
    tags: { type: 'array', items: { type: 'string' } },
    wind: { type: 'object', properties: { kmh: { type: 'integer' } }, required: ['kmh'] },
  },
  required: ['city', 'celsius'],
  additionalProperties: false,
};

const issuesFor = (body: unknown) => {
  const parsed = createRunRequestSchema.safeParse(body);
  return parsed.success ? [] : issuesOf(parsed.error);
};

describe('POST /v1/runs output: the request', () => {
  it('accepts an object schema with a name, a description and strict', () => {
    const parsed = createRunRequestSchema.parse({ input: 'hi', output: { schema: weather, name: 'weather_report', description: 'The weather', strict: true } });
    expect(parsed.output).toEqual({ schema: weather, name: 'weather_report', description: 'The weather', strict: true });
  });

  it.each([
    ['no schema', { name: 'x' }, 'output.schema', /expected record/i],
    ['a schema that is not an object', { schema: 'string' }, 'output.schema', /expected record/i],
    ['a schema for a string', { schema: { type: 'string' } }, 'output.schema', /must describe an object/],
    ['a schema without a type', { schema: { properties: {} } }, 'output.schema', /must describe an object/],
    ['a schema zod cannot read', { schema: { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } } }, 'output.schema', /not a JSON Schema runstream can read: .*missing/],
    ['an unknown type inside', { schema: { type: 'object', properties: { a: { type: 'banana' } } } }, 'output.schema', /Unsupported type: banana/],
    ['a schema over 32,000 characters', { schema: { type: 'object', description: 'x'.repeat(32_001) } }, 'output.schema', /at most 32000/],
    ['a name with spaces', { schema: weather, name: 'my format' }, 'output.name', /letters, digits/],
    ['an unknown key', { schema: weather, format: 'json' }, 'output', /format/],
  ])('rejects %s, naming %s', (_label, output, path, message) => {
    const issues = issuesFor({ input: 'hi', output });
    expect(issues.map((issue) => issue.path)).toContain(path);
    expect(issues.find((issue) => issue.path === path)?.message).toMatch(message);
  });
});

describe('the final answer against the schema', () => {
  const spec = { schema: weather };

  it('parses a matching answer, also inside a markdown fence', () => {
    expect(validateStructuredOutput('{"city":"Oslo","celsius":-3}', spec)).toEqual({ valid: true, value: { city: 'Oslo', celsius: -3 } });
    expect(validateStructuredOutput('```json\n{"city":"Oslo","celsius":-3}\n```\n', spec)).toEqual({ valid: true, value: { city: 'Oslo', celsius: -3 } });
  });

  it('names every field path that does not match', () => {
    const outcome = validateStructuredOutput('{"city":7,"tags":["a",2],"wind":{"kmh":1.5},"extra":true}', spec);
    expect(outcome).toEqual({
      valid: false,
      message:
        'the final answer does not match the output schema: city: Invalid input: expected string, received number; ' +
        'celsius: Invalid input: expected number, received undefined; tags.1: Invalid input: expected string, received number; ' +
        'wind.kmh: Invalid input: expected int, received number; (root): Unrecognized key: "extra"',
    });
  });

  it('says when the answer is not JSON, and when it was cut off', () => {
    const prose = validateStructuredOutput('The weather in Oslo is cold.', spec);
    expect(prose.valid).toBe(false);
    expect(!prose.valid && prose.message).toMatch(/^the final answer is not JSON: .*; it begins "The weather in Oslo is cold\."$/);
    const cut = validateStructuredOutput('{"city":"Os', spec, 'length');
    expect(!cut.valid && cut.message).toMatch(/^the final answer is not JSON \(the answer was cut off: finish reason "length"\)/);
  });
});

describe('the client converts a zod schema', () => {
  it('sends JSON Schema without $schema, keeping name and description', () => {
    const schema = z.object({ city: z.string(), celsius: z.number() });
    expect(toWireRequest({ input: 'hi', output: { schema, name: 'weather' } })).toEqual({
      input: 'hi',
      output: {
        name: 'weather',
        schema: { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } }, required: ['city', 'celsius'] },
      },
    });
    const wire = toWireRequest({ input: 'hi', output: schema });
    expect(createRunRequestSchema.safeParse(wire).success).toBe(true);
  });
});
