import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { ConfigError } from '../config.js';
import { configSchema, toValidatedConfig, type RunstreamConfig, type ValidatedConfig } from './config-schema.js';

/** The names `runstream worker` and `runstream dev` look for in the working directory, in this order. */
export const configFileNames = ['runstream.config.ts', 'runstream.config.mts', 'runstream.config.js', 'runstream.config.mjs'] as const;

export interface LoadedConfig extends ValidatedConfig {
  /** The file it came from, as shown in messages (relative to the working directory when inside it). */
  file: string;
}

/** `--config`, else RUNSTREAM_CONFIG, else the first of `configFileNames` in `cwd`; undefined when there is none. */
export function findConfigFile(options: { path?: string | undefined; env?: NodeJS.ProcessEnv; cwd?: string } = {}): string | undefined {
  const cwd = options.cwd ?? process.cwd();
  const given = options.path ?? (options.env ?? process.env).RUNSTREAM_CONFIG;
  if (given) {
    const file = resolve(cwd, given);
    if (!existsSync(file)) throw new ConfigError(`${given}: no such config file (${options.path ? '--config' : 'RUNSTREAM_CONFIG'})`);
    return file;
  }
  return configFileNames.map((name) => resolve(cwd, name)).find((file) => existsSync(file));
}

/**
 * Imports the config and validates it. TypeScript configs are compiled by
 * tsx's `tsImport` (loaded only then, so plain JavaScript configs and
 * config-less workers never load a compiler). Any failure is one line naming
 * the file and, when it is the config's shape, the field.
 */
export async function loadConfig(options: { path?: string | undefined; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<LoadedConfig | undefined> {
  const file = findConfigFile(options);
  if (!file) return undefined;
  const cwd = options.cwd ?? process.cwd();
  const shown = relative(cwd, file).startsWith('..') || isAbsolute(relative(cwd, file)) ? file : relative(cwd, file);
  let exported: unknown;
  try {
    const url = pathToFileURL(file).href;
    const module: Record<string, unknown> = /\.m?ts$/.test(file)
      ? await (await import('tsx/esm/api')).tsImport(url, import.meta.url)
      : await import(url);
    exported = module.default;
    // tsx may wrap a CommonJS-looking module's exports once more.
    if (isRecord(exported) && 'default' in exported && Object.keys(exported).length === 1) exported = exported.default;
  } catch (error) {
    throw new ConfigError(`${shown}: failed to load: ${firstLine(error)}`);
  }
  if (exported === undefined) throw new ConfigError(`${shown}: no default export; end it with export default defineConfig({ tools, agents, mcpServers })`);
  return { file: shown, ...validateConfig(exported, shown) };
}

/** Checks a config object (from a file or embedding code); `label` starts the one-line error. */
export function validateConfig(config: unknown, label: string): ValidatedConfig {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) throw new ConfigError(`${label}: ${describeIssue(parsed.error.issues[0], config)}`);
  return toValidatedConfig(parsed.data, config as RunstreamConfig);
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function firstLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? 'unknown error';
}

/** `tools[2] ("lookup").name: message`: the path, with the name of the tool, agent or server it is in. */
export function describeIssue(issue: z.core.$ZodIssue | undefined, config: unknown): string {
  if (!issue) return 'invalid config';
  let text = '';
  let node: unknown = config;
  for (const [index, key] of issue.path.entries()) {
    text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
    node = isRecord(node) ? node[key as string] : undefined;
    if (index === 1 && typeof key === 'number' && isRecord(node) && typeof node.name === 'string') text += ` ("${node.name}")`;
  }
  return `${text || '(config)'}: ${issue.message}`;
}
