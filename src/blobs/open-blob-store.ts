import { resolve } from 'node:path';
import { stateDir } from '../services/binaries.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { PostgresBlobStore } from './postgres-blob-store.js';

export interface BlobStoreSettings {
  /** `postgres://…`: blobs in PostgreSQL (shared by every machine). */
  RUNSTREAM_BLOB_URL?: string | undefined;
  /** A directory for the blobs on this machine (default `.runstream/blobs`). */
  RUNSTREAM_BLOB_DIR?: string | undefined;
}

/** The blob store named by the environment (config.ts has already checked the values). */
export function openBlobStore(settings: BlobStoreSettings, cwd = process.cwd()): BlobStore {
  if (settings.RUNSTREAM_BLOB_URL) return new PostgresBlobStore(settings.RUNSTREAM_BLOB_URL);
  return new FsBlobStore(settings.RUNSTREAM_BLOB_DIR ? resolve(cwd, settings.RUNSTREAM_BLOB_DIR) : resolve(stateDir(cwd), 'blobs'));
}
