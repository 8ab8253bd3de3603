import type { FinishReason, Usage } from '../protocol/messages.js';

/**
 * What a workflow holds instead of messages (types only: workflows import
 * this). Blobs are content-addressed, so a ref names exactly one content and
 * writing the same message or manifest twice yields the same ref.
 */

/** `sha256:<64 hex digits>` of the blob's bytes. */
export type BlobRef = string;

/** A message kept in the blob store: its ref and its size in bytes (JSON). */
export interface StoredRef {
  ref: BlobRef;
  bytes: number;
}

/**
 * An append-only transcript in the blob store: `head` is its newest manifest
 * (see transcript-store.ts); `length` messages, `bytes` their JSON size.
 */
export interface TranscriptRef {
  head: BlobRef;
  length: number;
  bytes: number;
}

/**
 * A finished run's result as its workflow returns it: the transcript by ref.
 * `GET /v1/runs/:id`, `run.completed` and the client see the whole
 * `RunResult`, built from the store (run-results.ts).
 */
export interface StoredRunResult {
  transcript: TranscriptRef;
  usage: Usage;
  steps: number;
  finishReason: FinishReason;
  structuredOutput?: unknown;
  /** A thread's turn: the result's messages start here (the turn's own); the transcript holds the whole thread. */
  from?: number;
}
