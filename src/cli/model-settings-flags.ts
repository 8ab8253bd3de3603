import type { ModelSettings } from '../providers/language-model.js';
import { modelSettingsSchema } from '../runs/model-settings.js';
import { CliError } from './cli-error.js';

/** `runstream run` flags for sampling settings, as `parseArgs` options. */
export const modelSettingsOptions = {
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
  'max-output-tokens': { type: 'string' },
  stop: { type: 'string', multiple: true },
  seed: { type: 'string' },
} as const;

const number = (flag: string, value: string | undefined) => {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new CliError(`--${flag}: expected a number, got "${value}"`);
  return parsed;
};

/** The flags as `modelSettings`, bounded as the API bounds them; undefined when none is given. */
export function modelSettingsFromFlags(values: {
  temperature?: string | undefined;
  'top-p'?: string | undefined;
  'max-output-tokens'?: string | undefined;
  stop?: string[] | undefined;
  seed?: string | undefined;
}): ModelSettings | undefined {
  const candidate = Object.fromEntries(
    Object.entries({
      temperature: number('temperature', values.temperature),
      topP: number('top-p', values['top-p']),
      maxOutputTokens: number('max-output-tokens', values['max-output-tokens']),
      stop: values.stop,
      seed: number('seed', values.seed),
    }).filter(([, value]) => value !== undefined),
  );
  if (Object.keys(candidate).length === 0) return undefined;
  const parsed = modelSettingsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = String(issue?.path[0] ?? '').replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    throw new CliError(`--${flag}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
