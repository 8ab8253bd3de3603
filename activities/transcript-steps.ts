import { resolveMessages, storeAll, type HeldMessage } from '../src/blobs/held-messages.js';
import type { StoredRef, TranscriptRef } from '../src/blobs/transcript-ref.js';
import type { TranscriptStore } from '../src/blobs/transcript-store.js';
import type { AssistantMessage, StepOutput, ToolMessage } from '../src/protocol/messages.js';
import type { ModelStepInput } from './model-step.js';
import type { ToolCallInput } from './tool-call.js';

/**
 * The by-reference forms of `modelStep` and `toolCall`: the workflow passes
 * a transcript ref and what was added since, never the transcript, and gets
 * back only what is new (inline when small) plus refs. So each message enters
 * workflow history at most once and no activity payload grows with the
 * transcript. The plain forms stay for histories recorded before.
 */

/** Messages up to this size (JSON bytes) are also returned inline, readable in history and the Temporal UI. */
export const inlineMessageBytes = 16 * 1024;

export interface TranscriptStepInput extends Omit<ModelStepInput, 'messages'> {
  /** The transcript so far; undefined for a run started with inline messages only. */
  transcript: TranscriptRef | undefined;
  /** Messages after the transcript (tool results, the run's inline input): appended before the model is asked. */
  append: HeldMessage[];
}

export interface TranscriptStepOutput extends Omit<StepOutput, 'message'> {
  /** The new assistant message, when it is small; always in the store as `stored`. */
  message?: AssistantMessage | undefined;
  stored: StoredRef;
  /** The calls to run: the workflow needs only their ids and names, the tool activity reads the arguments from `stored`. */
  toolCalls: { callId: string; name: string }[];
  /** The transcript with `append` and the new message. */
  transcript: TranscriptRef;
}

export interface TranscriptToolInput extends Omit<ToolCallInput, 'call'> {
  call: { callId: string; name: string };
  /** The assistant message that made the call. */
  from: StoredRef;
}

export interface TranscriptToolOutput {
  message?: ToolMessage | undefined;
  stored: StoredRef;
}

export const isTranscriptStep = (input: ModelStepInput | TranscriptStepInput): input is TranscriptStepInput => 'append' in input;
export const isTranscriptTool = (input: ToolCallInput | TranscriptToolInput): input is TranscriptToolInput => 'from' in input;

export function transcriptModelStep(transcripts: TranscriptStore, modelStep: (input: ModelStepInput) => Promise<StepOutput>) {
  return async (input: TranscriptStepInput): Promise<TranscriptStepOutput> => {
    const { transcript: before, append, ...step } = input;
    const added = await storeAll(transcripts, append);
    const messages = await resolveMessages(transcripts, before, added);
    const { message, ...output } = await modelStep({ ...step, messages });
    const stored = await transcripts.putMessage(message);
    const transcript = await transcripts.append(before, [...added, stored]);
    return {
      ...output,
      ...(stored.bytes <= inlineMessageBytes ? { message } : {}),
      stored,
      toolCalls: (message.toolCalls ?? []).map(({ callId, name }) => ({ callId, name })),
      transcript,
    };
  };
}

export function transcriptToolCall(transcripts: TranscriptStore, toolCall: (input: ToolCallInput) => Promise<ToolMessage>) {
  return async (input: TranscriptToolInput): Promise<TranscriptToolOutput> => {
    const { from, call: named, ...rest } = input;
    const assistant = await transcripts.getMessage(from.ref);
    const call = assistant.role === 'assistant' ? assistant.toolCalls?.find((candidate) => candidate.callId === named.callId) : undefined;
    if (!call) throw new Error(`tool call ${named.callId} is not in message ${from.ref}`);
    const message = await toolCall({ ...rest, call });
    const stored = await transcripts.putMessage(message);
    return { ...(stored.bytes <= inlineMessageBytes ? { message } : {}), stored };
  };
}
