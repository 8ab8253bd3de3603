import type { Message } from '../protocol/messages.js';
import type { StoredRef, TranscriptRef } from './transcript-ref.js';
import type { TranscriptStore } from './transcript-store.js';

/** A message a workflow holds: in the store by ref, or inline (an interrupted partial message, an unfinished tool call). */
export type HeldMessage = StoredRef | Message;

export const isStoredRef = (message: HeldMessage): message is StoredRef => 'ref' in message && typeof message.ref === 'string';

/** Stores the inline ones; answers every message's ref. */
export async function storeAll(transcripts: TranscriptStore, messages: HeldMessage[]): Promise<StoredRef[]> {
  return Promise.all(messages.map((message) => (isStoredRef(message) ? message : transcripts.putMessage(message))));
}

/** A transcript's messages followed by held ones: what the model is sent, what the API shows. */
export async function resolveMessages(transcripts: TranscriptStore, transcript: TranscriptRef | undefined, held: HeldMessage[] = []): Promise<Message[]> {
  const [prior, added] = await Promise.all([
    transcripts.messages(transcript),
    Promise.all(held.map((message) => (isStoredRef(message) ? transcripts.getMessage(message.ref) : message))),
  ]);
  return [...prior, ...added];
}
