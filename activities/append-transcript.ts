import type { TranscriptRef } from '../src/blobs/transcript-ref.js';
import type { ActivityDependencies } from './dependencies.js';
import { storeAll, type HeldMessage } from '../src/blobs/held-messages.js';

export interface AppendTranscriptInput {
  transcript: TranscriptRef | undefined;
  append: HeldMessage[];
}

export function createAppendTranscript(deps: ActivityDependencies) {
  /** Adds messages the workflow holds (tool results of a last step, an interrupted message) to its transcript. */
  return async function appendTranscript(input: AppendTranscriptInput): Promise<TranscriptRef> {
    return deps.transcripts.append(input.transcript, await storeAll(deps.transcripts, input.append));
  };
}
