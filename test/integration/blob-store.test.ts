import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobCorruptError, BlobNotFoundError, refOf, type BlobStore } from '../../src/blobs/blob-store.js';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.js';
import { PostgresBlobStore } from '../../src/blobs/postgres-blob-store.js';
import { TranscriptStore } from '../../src/blobs/transcript-store.js';
import type { Message } from '../../src/protocol/messages.js';

/** The machine's PostgreSQL (trust auth, database `test`); CI has the same. */
const postgresUrl = process.env.RUNSTREAM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const missing = `sha256:${'0'.repeat(64)}`;

function behavesAsABlobStore(name: string, open: () => Promise<{ store: BlobStore; corrupt(ref: string): Promise<void> }>) {
  describe(name, () => {
    let store: BlobStore;
    let corrupt: (ref: string) => Promise<void>;
    beforeAll(async () => {
      ({ store, corrupt } = await open());
    });
    afterAll(async () => {
      await store?.close();
    });

    it('answers the sha256 of the bytes and gives them back, byte for byte', async () => {
      const bytes = randomBytes(300_000);
      const ref = await store.put(bytes);
      expect(ref).toBe(refOf(bytes));
      expect(ref).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(Buffer.from(await store.get(ref)).equals(bytes)).toBe(true);
    });

    it('stores the same bytes once: concurrent and repeated puts answer one ref', async () => {
      const bytes = Buffer.from(`same ${randomBytes(8).toString('hex')}`);
      const refs = await Promise.all(Array.from({ length: 8 }, () => store.put(bytes)));
      expect(new Set(refs).size).toBe(1);
      expect(await store.put(bytes)).toBe(refs[0]);
      expect(Buffer.from(await store.get(refs[0]!)).toString()).toBe(bytes.toString());
    });

    it('names the missing blob and the store, and refuses what is not a ref', async () => {
      await expect(store.get(missing)).rejects.toBeInstanceOf(BlobNotFoundError);
      await expect(store.get(missing)).rejects.toThrow(store.description);
      await expect(store.get('../../etc/passwd')).rejects.toThrow(/not a blob ref/);
    });

    it('refuses bytes that no longer match their ref', async () => {
      const ref = await store.put(Buffer.from(`to be corrupted ${randomBytes(8).toString('hex')}`));
      await corrupt(ref);
      await expect(store.get(ref)).rejects.toBeInstanceOf(BlobCorruptError);
    });

    it('keeps transcripts: appends, chunking past 256 messages, the same ref for the same content, reads from a cold cache', async () => {
      const transcripts = new TranscriptStore(store);
      const messages: Message[] = Array.from({ length: 600 }, (_, index) =>
        index % 2 ? { role: 'assistant', content: `answer ${index} ${'x'.repeat(index)}` } : { role: 'user', content: `question ${index}` },
      );
      let transcript = await transcripts.create(messages.slice(0, 1));
      for (let index = 1; index < messages.length; index += 7) {
        const added = await Promise.all(messages.slice(index, index + 7).map((message) => transcripts.putMessage(message)));
        transcript = await transcripts.append(transcript, added);
      }
      expect(transcript.length).toBe(600);
      expect(transcript.bytes).toBe(messages.reduce((sum, message) => sum + Buffer.byteLength(JSON.stringify(message)), 0));
      expect(await transcripts.messages(transcript)).toEqual(messages);
      // Another process (no cache) reads the same transcript from the store alone.
      expect(await new TranscriptStore(store).messages(transcript)).toEqual(messages);
      // Content-addressed: building it again in one append gives the very same head.
      expect(await new TranscriptStore(store).create(messages)).toEqual(transcript);
      expect(await transcripts.messages(undefined)).toEqual([]);
      // From an index (a thread's turn): the same tail, within a chunk, across chunks and past the end.
      for (const from of [0, 5, 255, 256, 257, 511, 512, 599, 600]) {
        expect(await new TranscriptStore(store).messages(transcript, from)).toEqual(messages.slice(from));
      }
    });
  });
}

let directory: string;
const table = `blobs_test_${randomBytes(4).toString('hex')}`;
const admin = postgres(postgresUrl, { max: 1, onnotice: () => undefined });

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'runstream-blobs-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  await admin`drop table if exists ${admin(table)}`;
  await admin.end();
});

behavesAsABlobStore('filesystem blob store', async () => ({
  store: new FsBlobStore(directory),
  corrupt: async (ref) => {
    const hex = ref.slice('sha256:'.length);
    await writeFile(join(directory, hex.slice(0, 2), hex), 'changed behind its back');
  },
}));

behavesAsABlobStore('PostgreSQL blob store', async () => ({
  store: new PostgresBlobStore(postgresUrl, { table }),
  corrupt: async (ref) => {
    await admin`update ${admin(table)} set bytes = ${Buffer.from('changed behind its back')} where ref = ${ref}`;
  },
}));

describe('filesystem blob store on disk', () => {
  it('leaves no temporary file behind', async () => {
    const store = new FsBlobStore(join(directory, 'tidy'));
    await Promise.all(Array.from({ length: 20 }, (_, index) => store.put(Buffer.from(`blob ${index % 5}`))));
    const files = (await readdir(join(directory, 'tidy'), { recursive: true })).map(String);
    expect(files.filter((file) => file.endsWith('.tmp'))).toEqual([]);
    expect(files.filter((file) => /[0-9a-f]{64}$/.test(file))).toHaveLength(5);
  });
});
