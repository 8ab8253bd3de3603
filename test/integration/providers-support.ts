import { inject } from 'vitest';
import type { ServedRequest } from '../../src/demo/llm-server.js';

/** What the local LLM server served for one scripted model, oldest first. */
export async function servedFor(model: string): Promise<ServedRequest[]> {
  const response = await fetch(`${inject('llmUrl')}/__requests`);
  const all = (await response.json()) as ServedRequest[];
  return all.filter((request) => request.model === model);
}

export const protocolOf = { openai: 'chat', 'openai-responses': 'responses', anthropic: 'anthropic' } as const;
export type ProviderPrefix = keyof typeof protocolOf;
export const providerPrefixes = Object.keys(protocolOf) as ProviderPrefix[];
