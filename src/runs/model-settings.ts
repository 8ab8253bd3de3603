import { z } from 'zod';
import { parseModelName, type ProviderName } from '../models.js';
import type { ModelSettings } from '../providers/language-model.js';

/**
 * Sampling settings of a run, an agent or a CLI call, bounded to what every
 * provider could take; `modelSettingsIssues` then checks what the chosen
 * model's protocol supports, so a run is refused at enqueue, not by the
 * provider on its first step.
 */
export const modelSettingsSchema = z
  .object({
    temperature: z.number().min(0, 'temperature must be at least 0').max(2, 'temperature must be at most 2').optional(),
    topP: z.number().gt(0, 'topP must be greater than 0').max(1, 'topP must be at most 1').optional(),
    maxOutputTokens: z
      .number()
      .int('maxOutputTokens must be a whole number')
      .min(1, 'maxOutputTokens must be at least 1')
      .max(1_000_000, 'maxOutputTokens must be at most 1000000')
      .optional(),
    stop: z
      .array(z.string().min(1, 'a stop sequence must not be empty').max(200, 'a stop sequence must be at most 200 characters'))
      .min(1, 'stop must hold at least one sequence')
      .max(4, 'stop takes at most 4 sequences')
      .optional(),
    seed: z.number().int('seed must be a whole number').min(0, 'seed must be at least 0').max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

// Keeps the schema and the type providers read in step.
const _sameShape: z.infer<typeof modelSettingsSchema> extends ModelSettings ? true : never = true;
void _sameShape;

type Setting = keyof ModelSettings;

/** What each protocol cannot take (Responses has no stop or seed; Messages has no seed, temperature up to 1). */
const unsupported: Record<ProviderName, Partial<Record<Setting, string>>> = {
  openai: {},
  demo: {},
  'openai-responses': { stop: 'the Responses API has no stop sequences', seed: 'the Responses API takes no seed' },
  anthropic: { seed: 'the Anthropic Messages API takes no seed' },
};

/** Issues with these settings for this model (field paths under `modelSettings`); empty when all is well. */
export function modelSettingsIssues(modelName: string, settings: ModelSettings | undefined): { path: string; message: string }[] {
  if (!settings) return [];
  const model = parseModelName(modelName);
  if (!model.ok) return [];
  const issues: { path: string; message: string }[] = [];
  for (const [setting, reason] of Object.entries(unsupported[model.value.provider]) as [Setting, string][]) {
    if (settings[setting] !== undefined) issues.push({ path: `modelSettings.${setting}`, message: `${reason} (model ${modelName})` });
  }
  if (model.value.provider === 'anthropic' && settings.temperature !== undefined && settings.temperature > 1) {
    issues.push({ path: 'modelSettings.temperature', message: `temperature must be at most 1 for Anthropic models (model ${modelName})` });
  }
  return issues;
}

/** The agent's settings with the request's on top, field by field. */
export function mergeModelSettings(base: ModelSettings | undefined, override: ModelSettings | undefined): ModelSettings | undefined {
  if (!base) return override;
  if (!override) return base;
  return { ...base, ...override };
}
