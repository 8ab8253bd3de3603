import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import type { ConversationView } from './demo-turn.js';
import type { ScriptedTurn } from './script.js';

/**
 * One provider wire format as the local LLM server speaks it: how a request
 * reads, how a scripted turn streams, how errors look. The server itself is
 * protocol-neutral.
 */

export interface WireConversation {
  model: string;
  view: ConversationView;
  /** Model calls already answered since the last user message. */
  turnIndex: number;
  /** Text of a trailing assistant message to continue (prefill), if the request asks for it. */
  prefill: string;
  inputCharacters: number;
  /** The structured-output request as it came on the wire (Chat `response_format`, Responses `text.format`), for tests to assert. */
  responseFormat?: unknown | undefined;
  /** The system prompt (Anthropic `system`), where structured output is asked for in words. */
  system?: string;
}

/** A `json_schema` response format as both OpenAI protocols spell its schema (name, schema, strict). */
export const jsonSchemaFormatSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  description: z.string().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().nullish(),
});

export interface WireChunk {
  /** The SSE `event:` name, for protocols that send one. */
  event?: string;
  data: string;
  delayMs: number;
}

export interface EncodeOptions {
  model: string;
  turnIndex: number;
  /** Characters of the turn's text the client already has (prefill). */
  skipText: number;
  inputCharacters: number;
}

export type ParseResult = { ok: true; value: WireConversation } | { ok: false; message: string };

export interface WireProtocol {
  name: 'chat' | 'anthropic' | 'responses';
  path: string;
  /** The API key the request carries, or undefined. */
  apiKey(headers: IncomingHttpHeaders): string | undefined;
  parseRequest(body: unknown): ParseResult;
  encodeTurn(turn: ScriptedTurn, options: EncodeOptions): WireChunk[];
  /** An error reported inside a 200 stream (Anthropic's overloaded_error and the like), as the provider sends it. */
  streamError(type: string, message: string): WireChunk[];
  errorBody(status: number, message: string, code?: string): unknown;
}

/** Rough token counts, so usage is plausible and deterministic. */
export function estimateUsage(turn: ScriptedTurn, text: string, inputCharacters: number) {
  const outputCharacters = (turn.reasoning ?? '').length + text.length;
  const inputTokens = Math.ceil(inputCharacters / 4);
  const outputTokens = Math.ceil(outputCharacters / 4) + (turn.toolCalls?.length ?? 0) * 10;
  return { inputTokens, outputTokens, reasoningTokens: Math.ceil((turn.reasoning ?? '').length / 4) };
}

export function issueMessage(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  return `${issue?.path.map(String).join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}`;
}

/** One chunk as SSE text: an optional `event:` line, the `data:` line, a blank line. */
export const encodeSseFrame = (chunk: WireChunk) => `${chunk.event === undefined ? '' : `event: ${chunk.event}\n`}data: ${chunk.data}\n\n`;
