import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { assertBlobRef, BlobNotFoundError, refOf, verified, type BlobStore } from './blob-store.js';
import type { BlobRef } from './transcript-ref.js';

/**
 * Blobs as files under one directory (`<dir>/<2 hex>/<64 hex>`), for one
 * machine. A blob is written to a temporary file, synced, then renamed into
 * place, so a crash leaves either the whole blob or none of it.
 */
export class FsBlobStore implements BlobStore {
  readonly description: string;

  constructor(private readonly dir: string) {
    this.description = `directory ${dir}`;
  }

  private pathOf(ref: BlobRef): string {
    assertBlobRef(ref);
    const hex = ref.slice('sha256:'.length);
    return join(this.dir, hex.slice(0, 2), hex);
  }

  async put(bytes: Uint8Array): Promise<BlobRef> {
    const ref = refOf(bytes);
    const path = this.pathOf(ref);
    if (await exists(path)) return ref;
    await mkdir(join(path, '..'), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return ref;
  }

  async get(ref: BlobRef): Promise<Uint8Array> {
    const path = this.pathOf(ref);
    try {
      return verified(ref, await readFile(path), this.description);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BlobNotFoundError(ref, this.description);
      throw error;
    }
  }

  async close(): Promise<void> {}
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
