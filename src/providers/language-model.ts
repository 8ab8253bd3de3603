import type { Message } from '../protocol/messages.js';
import type { ModelEvent } from './model-events.js';

/** A tool as the model sees it: name, description, JSON Schema of its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** Sampling settings of a run (`modelSettings`), in neutral names. */
export interface ModelSettings {
  temperature?: number | undefined;
  topP?: number | undefined;
  maxOutputTokens?: number | undefined;
  stop?: string[] | undefined;
  seed?: number | undefined;
}

export interface StreamTimeouts {
  /** TCP/TLS connect. */
  connectMs: number;
  /** Longest silence between two chunks (and before the response headers). */
  idleMs: number;
  /** Whole call, first byte to last. */
  totalMs: number;
}

export const defaultStreamTimeouts: StreamTimeouts = { connectMs: 10_000, idleMs: 60_000, totalMs: 10 * 60_000 };

export interface ModelRequest {
  instructions?: string | undefined;
  messages: Message[];
  tools: ToolSpec[];
  /**
   * Text the assistant has already said in this step. Only passed to models
   * whose `capabilities.continuesPartialText` is true; the stream then carries
   * on right after it.
   */
  prefill?: string | undefined;
  /** Sampling settings; each adapter sends them under its protocol's names. */
  settings?: ModelSettings | undefined;
  timeouts?: Partial<StreamTimeouts> | undefined;
  /** Ask for a final answer in JSON matching a schema; each adapter sends it its protocol's way. */
  responseFormat?: ResponseFormat | undefined;
}

/**
 * Structured output as the adapters send it: Chat Completions `response_format`,
 * Responses `text.format`, and for Anthropic Messages (no such field in API
 * version 2023-06-01) an instruction appended to the system prompt.
 */
export interface ResponseFormat {
  type: 'json_schema';
  name: string;
  description?: string | undefined;
  schema: Record<string, unknown>;
  strict: boolean;
}

export interface ModelCapabilities {
  /** The protocol can continue a partial assistant message (assistant prefill). */
  continuesPartialText: boolean;
}

export interface LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  readonly capabilities: ModelCapabilities;
  stream(request: ModelRequest, options: { signal?: AbortSignal }): AsyncIterable<ModelEvent>;
}
