import { z } from 'zod';
import { messageSchema, type Message } from '../protocol/messages.js';
import type { BlobStore } from './blob-store.js';
import type { BlobRef, StoredRef, TranscriptRef } from './transcript-ref.js';

/**
 * Transcripts in a blob store. Each message is its own blob; a manifest blob
 * lists the transcript's messages: full chunks of `chunkSize` message refs
 * (each chunk a blob written once) and the refs after the last full chunk.
 * Appending writes the new messages and one new manifest, so a step costs
 * O(new bytes + steps / chunkSize), never a rewrite of the transcript; and
 * since blobs are content-addressed, a retried append writes nothing new and
 * answers the same ref.
 */

const chunkSize = 256;

const refSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/);
const manifestSchema = z.object({
  v: z.literal(1),
  chunks: z.array(refSchema),
  recent: z.array(refSchema),
  length: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
type Manifest = z.infer<typeof manifestSchema>;
const chunkSchema = z.object({ v: z.literal(1), refs: z.array(refSchema) });

export interface TranscriptStoreOptions {
  /** Decoded blobs kept in memory (default 64 MB); blobs never change, so the cache is never stale. */
  cacheBytes?: number;
}

export class TranscriptStore {
  private readonly cache = new Map<BlobRef, { value: unknown; bytes: number }>();
  private cachedBytes = 0;
  private readonly cacheLimit: number;

  constructor(
    readonly blobs: BlobStore,
    options: TranscriptStoreOptions = {},
  ) {
    this.cacheLimit = options.cacheBytes ?? 64 * 1024 * 1024;
  }

  async putMessage(message: Message): Promise<StoredRef> {
    const bytes = Buffer.from(JSON.stringify(message));
    const ref = await this.blobs.put(bytes);
    this.remember(ref, message, bytes.byteLength);
    return { ref, bytes: bytes.byteLength };
  }

  getMessage(ref: BlobRef): Promise<Message> {
    return this.read(ref, messageSchema);
  }

  /** A transcript of these messages (the API stores a run's input this way). */
  async create(messages: Message[]): Promise<TranscriptRef> {
    return this.append(undefined, await Promise.all(messages.map((message) => this.putMessage(message))));
  }

  /** The transcript with `added` (stored messages) after its messages; `undefined` is the empty transcript. */
  async append(transcript: TranscriptRef | undefined, added: StoredRef[]): Promise<TranscriptRef> {
    const manifest: Manifest = transcript
      ? await this.read(transcript.head, manifestSchema)
      : { v: 1, chunks: [], recent: [], length: 0, bytes: 0 };
    if (transcript && added.length === 0) return transcript;
    const recent = [...manifest.recent, ...added.map((message) => message.ref)];
    const chunks = [...manifest.chunks];
    while (recent.length >= chunkSize) chunks.push(await this.write({ v: 1, refs: recent.splice(0, chunkSize) }));
    const next: Manifest = {
      v: 1,
      chunks,
      recent,
      length: manifest.length + added.length,
      bytes: manifest.bytes + added.reduce((sum, message) => sum + message.bytes, 0),
    };
    return { head: await this.write(next), length: next.length, bytes: next.bytes };
  }

  /** The transcript's messages from index `from` on (every one by default), oldest first; earlier chunks are not read. */
  async messages(transcript: TranscriptRef | undefined, from = 0): Promise<Message[]> {
    if (!transcript) return [];
    const manifest = await this.read(transcript.head, manifestSchema);
    const skippedChunks = Math.min(Math.floor(from / chunkSize), manifest.chunks.length);
    const chunks = await this.readAll(manifest.chunks.slice(skippedChunks), chunkSchema);
    const refs = [...chunks.flatMap((chunk) => chunk.refs), ...manifest.recent].slice(from - skippedChunks * chunkSize);
    return this.readAll(refs, messageSchema);
  }

  private async write(value: unknown): Promise<BlobRef> {
    const bytes = Buffer.from(JSON.stringify(value));
    const ref = await this.blobs.put(bytes);
    this.remember(ref, value, bytes.byteLength);
    return ref;
  }

  private async read<T>(ref: BlobRef, schema: z.ZodType<T>): Promise<T> {
    const hit = this.cache.get(ref);
    if (hit) {
      // Most recently used last, so the oldest entry is the first to go.
      this.cache.delete(ref);
      this.cache.set(ref, hit);
      return hit.value as T;
    }
    const bytes = await this.blobs.get(ref);
    const value = schema.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));
    this.remember(ref, value, bytes.byteLength);
    return value;
  }

  /** Reads many blobs with bounded concurrency (a cold read of a long transcript). */
  private async readAll<T>(refs: BlobRef[], schema: z.ZodType<T>): Promise<T[]> {
    const values: T[] = new Array<T>(refs.length);
    let next = 0;
    const reader = async () => {
      while (next < refs.length) {
        const index = next++;
        values[index] = await this.read(refs[index]!, schema);
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, refs.length) }, reader));
    return values;
  }

  private remember(ref: BlobRef, value: unknown, bytes: number): void {
    if (bytes > this.cacheLimit / 4 || this.cache.has(ref)) return;
    this.cache.set(ref, { value, bytes });
    this.cachedBytes += bytes;
    for (const [oldest, entry] of this.cache) {
      if (this.cachedBytes <= this.cacheLimit) break;
      this.cache.delete(oldest);
      this.cachedBytes -= entry.bytes;
    }
  }
}
