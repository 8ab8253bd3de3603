import type { Message, RunResult } from '../protocol/messages.js';
import type { StoredRunResult } from './transcript-ref.js';
import type { TranscriptStore } from './transcript-store.js';

/** A workflow's result: the whole transcript (runs recorded before transcripts moved to the store) or a ref to it. */
export type WorkflowResult = RunResult | StoredRunResult;

export const isStoredRunResult = (result: WorkflowResult): result is StoredRunResult => 'transcript' in result && !('messages' in result);

/** The final answer: the last assistant message's text. */
export const outputOf = (messages: Message[]): string => messages.findLast((message) => message.role === 'assistant')?.content ?? '';

/** The result as users see it, with the transcript read from the store. */
export async function resolveRunResult(transcripts: TranscriptStore, result: WorkflowResult): Promise<RunResult> {
  if (!isStoredRunResult(result)) return result;
  const { transcript, structuredOutput, from, ...rest } = result;
  const messages = await transcripts.messages(transcript, from);
  return { output: outputOf(messages), messages, ...rest, ...(structuredOutput === undefined ? {} : { structuredOutput }) };
}
