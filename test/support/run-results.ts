import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.js';
import { resolveMessages } from '../../src/blobs/held-messages.js';
import { resolveRunResult, type WorkflowResult } from '../../src/blobs/run-results.js';
import { TranscriptStore } from '../../src/blobs/transcript-store.js';
import type { Message, RunResult } from '../../src/protocol/messages.js';
import { progressQuery } from '../../workflows/definitions.js';

/** One blob directory for the suite: blobs are content-addressed, so test files share it without interfering. */
export const testBlobDir = join(tmpdir(), 'runstream-test-blobs');
export const testTranscripts = (store = new FsBlobStore(testBlobDir)) => new TranscriptStore(store);

/** A run's result as users see it: the workflow's result, its transcript read from the blob store. */
export async function runResultOf(handle: WorkflowHandle, transcripts = testTranscripts()): Promise<RunResult> {
  return resolveRunResult(transcripts, (await handle.result()) as WorkflowResult);
}

/** The transcript the workflow reports (progress query), read through the store when it holds a ref. */
export async function transcriptOf(handle: WorkflowHandle, transcripts = testTranscripts()): Promise<Message[]> {
  const progress = await handle.query(progressQuery);
  return progress.transcript || progress.pending ? resolveMessages(transcripts, progress.transcript, progress.pending) : progress.messages;
}
