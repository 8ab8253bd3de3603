import { createHash } from 'node:crypto';
import type { BlobRef } from './transcript-ref.js';

/**
 * Durable, content-addressed storage for what must not live in workflow
 * history: transcripts, large messages and tool results. A blob never
 * changes once written, so any process may cache it for ever.
 */
export interface BlobStore {
  /** Stores the bytes (a no-op when they are there already) and answers their ref. */
  put(bytes: Uint8Array): Promise<BlobRef>;
  /** The bytes under `ref`; BlobNotFoundError when the store has none. */
  get(ref: BlobRef): Promise<Uint8Array>;
  /** Where the blobs live, for logs and errors (never a password). */
  readonly description: string;
  close(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor(
    readonly ref: BlobRef,
    where: string,
  ) {
    super(`blob ${ref} is not in ${where}; every worker and API process must use the same store (RUNSTREAM_BLOB_DIR or RUNSTREAM_BLOB_URL)`);
  }
}

/** The bytes read do not hash to their ref: the store was changed behind runstream's back. */
export class BlobCorruptError extends Error {
  override readonly name = 'BlobCorruptError';
  constructor(readonly ref: BlobRef, where: string) {
    super(`blob ${ref} in ${where} does not match its hash`);
  }
}

const refPattern = /^sha256:[0-9a-f]{64}$/;

export const isBlobRef = (value: unknown): value is BlobRef => typeof value === 'string' && refPattern.test(value);

export const refOf = (bytes: Uint8Array): BlobRef => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Checks what a store read against its ref before anyone trusts it. */
export function verified(ref: BlobRef, bytes: Uint8Array, where: string): Uint8Array {
  if (refOf(bytes) !== ref) throw new BlobCorruptError(ref, where);
  return bytes;
}

export function assertBlobRef(ref: BlobRef): void {
  if (!isBlobRef(ref)) throw new TypeError(`not a blob ref: ${JSON.stringify(ref).slice(0, 80)}`);
}
