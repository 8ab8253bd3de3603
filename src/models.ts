import type { Env } from './config.js';
import type { LanguageModel } from './providers/language-model.js';
import { AnthropicMessagesModel } from './providers/anthropic-messages.js';
import { OpenAIChatModel } from './providers/openai-chat.js';
import { OpenAIResponsesModel } from './providers/openai-responses.js';

/** Models are named `provider:model` (API.md); `demo` is the bundled local model. */
export const providers = ['openai', 'openai-responses', 'anthropic', 'demo'] as const;
export type ProviderName = (typeof providers)[number];

export interface ModelName {
  provider: ProviderName;
  modelId: string;
}

export type ModelNameResult = { ok: true; value: ModelName } | { ok: false; message: string };

export function parseModelName(name: string): ModelNameResult {
  if (name === 'demo') return { ok: true, value: { provider: 'demo', modelId: 'demo' } };
  const separator = name.indexOf(':');
  const provider = separator > 0 ? name.slice(0, separator) : '';
  const modelId = separator > 0 ? name.slice(separator + 1) : '';
  if (!(providers as readonly string[]).includes(provider) || provider === 'demo' || modelId.trim() === '') {
    return {
      ok: false,
      message: `unknown model "${name}": use provider:model with provider one of openai, openai-responses, anthropic, or "demo"`,
    };
  }
  return { ok: true, value: { provider: provider as ProviderName, modelId } };
}

/** The model used when a request names none: a configured one, else the first provider with a key, else the demo. */
export function defaultModelName(env: Env): string {
  if (env.RUNSTREAM_MODEL) return env.RUNSTREAM_MODEL;
  if (env.OPENAI_API_KEY) return 'openai:gpt-5.5';
  if (env.ANTHROPIC_API_KEY) return 'anthropic:claude-sonnet-4-5';
  return 'demo';
}

export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
}

export interface ModelResolverOptions {
  env: Env;
  /** Base URL of the demo model's server (Chat Completions protocol). */
  demoBaseURL: () => Promise<string>;
  /** Adapters for other protocols register here as they land. */
  extraProviders?: Partial<Record<ProviderName, (modelId: string, env: Env) => LanguageModel>>;
}

export type ModelResolver = (name: string) => Promise<LanguageModel>;

export function createModelResolver(options: ModelResolverOptions): ModelResolver {
  const { env } = options;
  return async (name) => {
    const parsed = parseModelName(name);
    if (!parsed.ok) throw new ModelUnavailableError(parsed.message);
    const { provider, modelId } = parsed.value;
    const extra = options.extraProviders?.[provider];
    if (extra) return extra(modelId, env);
    switch (provider) {
      case 'demo':
        // The demo server continues a partial message like vLLM does, so demo runs resume by prefill.
        return new OpenAIChatModel({
          provider: 'demo',
          modelId: 'demo',
          baseURL: await options.demoBaseURL(),
          apiKey: 'demo',
          continueFinalMessage: true,
        });
      case 'openai':
        if (!env.OPENAI_API_KEY) throw new ModelUnavailableError('OPENAI_API_KEY is not set in the worker environment');
        return new OpenAIChatModel({
          modelId,
          baseURL: env.OPENAI_BASE_URL,
          apiKey: env.OPENAI_API_KEY,
          continueFinalMessage: env.OPENAI_CONTINUE_FINAL_MESSAGE,
        });
      case 'openai-responses':
        if (!env.OPENAI_API_KEY) throw new ModelUnavailableError('OPENAI_API_KEY is not set in the worker environment');
        return new OpenAIResponsesModel({
          modelId,
          baseURL: env.OPENAI_BASE_URL,
          apiKey: env.OPENAI_API_KEY,
          reasoningSummary: env.OPENAI_REASONING_SUMMARY,
        });
      case 'anthropic':
        if (!env.ANTHROPIC_API_KEY) throw new ModelUnavailableError('ANTHROPIC_API_KEY is not set in the worker environment');
        return new AnthropicMessagesModel({
          modelId,
          baseURL: env.ANTHROPIC_BASE_URL,
          apiKey: env.ANTHROPIC_API_KEY,
          thinkingBudgetTokens: env.ANTHROPIC_THINKING_BUDGET,
        });
    }
  };
}
