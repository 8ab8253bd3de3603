import postgres from 'postgres';
import { assertBlobRef, BlobNotFoundError, refOf, verified, type BlobStore } from './blob-store.js';
import type { BlobRef } from './transcript-ref.js';

export interface PostgresBlobStoreOptions {
  /** Table of the blobs (default `runstream_blobs`); created when missing. */
  table?: string;
  /** Connections in the pool (default 4). */
  maxConnections?: number;
}

/**
 * Blobs as rows of one PostgreSQL table, for deployments beyond one machine:
 * every worker and API process reaches the same store, and PostgreSQL's own
 * durability and backups apply.
 */
export class PostgresBlobStore implements BlobStore {
  readonly description: string;
  private readonly sql: postgres.Sql;
  private readonly table: string;
  private ready: Promise<void> | undefined;

  constructor(url: string, options: PostgresBlobStoreOptions = {}) {
    this.table = options.table ?? 'runstream_blobs';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.table)) throw new TypeError(`blob table name "${this.table}" must be a plain lower-case identifier`);
    const parsed = new URL(url);
    this.description = `PostgreSQL ${parsed.host}${parsed.pathname} table ${this.table}`;
    this.sql = postgres(url, { max: options.maxConnections ?? 4, onnotice: () => undefined, idle_timeout: 30 });
  }

  /** Creates the table once per process; concurrent creators race harmlessly. */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      try {
        await this.sql`create table if not exists ${this.sql(this.table)} (ref text primary key, bytes bytea not null, created_at timestamptz not null default now())`;
      } catch (error) {
        // Two processes creating the table at once: one wins, the other sees a duplicate type.
        if ((error as { code?: string }).code !== '23505') throw error;
      }
    })();
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }

  async put(bytes: Uint8Array): Promise<BlobRef> {
    await this.init();
    const ref = refOf(bytes);
    await this.sql`insert into ${this.sql(this.table)} (ref, bytes) values (${ref}, ${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)}) on conflict (ref) do nothing`;
    return ref;
  }

  async get(ref: BlobRef): Promise<Uint8Array> {
    assertBlobRef(ref);
    await this.init();
    const rows = await this.sql<{ bytes: Buffer }[]>`select bytes from ${this.sql(this.table)} where ref = ${ref}`;
    const row = rows[0];
    if (!row) throw new BlobNotFoundError(ref, this.description);
    return verified(ref, row.bytes, this.description);
  }

  async close(): Promise<void> {
    await this.sql.end({ timeout: 5 });
  }
}
