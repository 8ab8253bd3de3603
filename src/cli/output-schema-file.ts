import { readFileSync } from 'node:fs';
import { CliError } from './cli-error.js';

/** The JSON Schema file of `--output-schema`; the API checks the schema itself and answers 400 naming output.schema. */
export function readOutputSchemaFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`--output-schema: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--output-schema: ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new CliError(`--output-schema: ${path} must hold a JSON Schema object`);
  return schema as Record<string, unknown>;
}
