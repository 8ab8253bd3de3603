import type { ApprovalCheckInput, createActivities, HeldMessage, ModelStepInput } from '../activities/index.js';
import type { StoredRunResult, TranscriptRef } from '../src/blobs/transcript-ref.js';
import type { FinishReason, Message, RunResult, StructuredOutcome, ToolCall, Usage } from '../src/protocol/messages.js';
import type { RunProgress } from './definitions.js';
import { fitPayload } from './payload-guard.js';
import type { AgentRunInput } from './run-input.js';

type Activities = ReturnType<typeof createActivities>;

/** What the loop needs of a finished step, whichever way the transcript is kept. */
export interface StepDone {
  toolCalls: { callId: string; name: string }[];
  usage: Usage;
  finishReason: FinishReason;
  structured?: StructuredOutcome | undefined;
  /** Stopped at the run's output-token allowance: the message (in the transcript) is partial. */
  stoppedByBudget?: true | undefined;
}

export type StepSettings = Omit<ModelStepInput, 'messages'>;
export type ToolProxy = Activities['toolCall'];

/** How a run keeps its transcript: in workflow state (runs recorded before), or in the blob store by ref. */
export interface RunTranscript {
  step(input: StepSettings): Promise<StepDone>;
  /** Runs one call of the last step; what it returns is added in call order by `add`. */
  tool(proxy: ToolProxy, input: { runId: string; step: number; call: { callId: string; name: string } }): Promise<HeldMessage>;
  add(message: HeldMessage): void;
  /** Where the approval check reads a call of the last step from (its arguments never pass through the workflow by ref). */
  callOf(call: { callId: string; name: string }): Pick<ApprovalCheckInput, 'call' | 'from'>;
  /** The text of the last message when it was interrupted (what a cancel keeps). */
  interruptedText(): string;
  progress(): Pick<RunProgress, 'messages' | 'transcript' | 'pending'>;
  /** The transcript part of a continue-as-new input. */
  carried(): Pick<AgentRunInput, 'messages' | 'transcript' | 'pending'>;
  /** The workflow's result and what publishing `run.completed` needs. */
  finish(done: { usage: Usage; steps: number; finishReason: FinishReason }): Promise<{ result: RunResult | StoredRunResult; transcript?: TranscriptRef }>;
}

const isInline = (message: HeldMessage): message is Message => !('ref' in message);
const interruptedTextOf = (message: HeldMessage | undefined): string =>
  message && isInline(message) && message.role === 'assistant' && message.interrupted ? message.content : '';

/** The whole transcript in workflow state and in every step's input: how runs were recorded before the blob store. */
export class InlineTranscript implements RunTranscript {
  private readonly messages: Message[];
  private calls: ToolCall[] = [];
  private readonly priorMessages: number;

  constructor(
    input: AgentRunInput,
    private readonly activities: Pick<Activities, 'modelStep'>,
  ) {
    this.messages = [...input.messages];
    // A thread's turn answers its own messages: the thread holds the transcript, so the result stays one turn's size.
    this.priorMessages = input.thread?.priorMessages ?? 0;
  }

  async step(input: StepSettings): Promise<StepDone> {
    const output = await this.activities.modelStep(fitPayload('the model step\'s input (the transcript)', { ...input, messages: this.messages }));
    this.messages.push(output.message);
    this.calls = output.message.toolCalls ?? [];
    return { ...output, toolCalls: this.calls };
  }

  tool(proxy: ToolProxy, input: { runId: string; step: number; call: { callId: string; name: string } }): Promise<HeldMessage> {
    const call = this.calls.find((candidate) => candidate.callId === input.call.callId) ?? { ...input.call, arguments: {} };
    return proxy({ ...input, call });
  }

  add(message: HeldMessage): void {
    if (isInline(message)) this.messages.push(message);
  }

  callOf(call: { callId: string; name: string }) {
    return { call: this.calls.find((candidate) => candidate.callId === call.callId) ?? call };
  }

  interruptedText(): string {
    return interruptedTextOf(this.messages.at(-1));
  }

  progress() {
    return { messages: this.messages };
  }

  carried() {
    return { messages: this.messages };
  }

  async finish(done: { usage: Usage; steps: number; finishReason: FinishReason }) {
    const output = this.messages.findLast((message) => message.role === 'assistant')?.content ?? '';
    return { result: { output, messages: this.messages.slice(this.priorMessages), ...done } };
  }
}

/**
 * The transcript in the blob store: the workflow holds its ref, plus the
 * messages added since the last step (tool results by ref, an interrupted
 * message inline). Each step's input and result stay small whatever the
 * transcript's size, and each message enters history at most once.
 */
export class StoredTranscript implements RunTranscript {
  private transcript: TranscriptRef | undefined;
  private pending: HeldMessage[];
  private last: { ref: string; bytes: number } | undefined;
  /** A thread's turn: where its own messages start in the thread's transcript. */
  private readonly from: number | undefined;

  constructor(
    input: AgentRunInput,
    private readonly activities: Pick<Activities, 'modelStep' | 'appendTranscript'>,
  ) {
    this.transcript = input.transcript;
    this.pending = [...input.messages, ...(input.pending ?? [])];
    this.from = input.thread?.priorMessages;
  }

  async step(input: StepSettings): Promise<StepDone> {
    const output = await this.activities.modelStep(fitPayload('the model step\'s input', { ...input, transcript: this.transcript, append: this.pending }));
    this.transcript = output.transcript;
    this.pending = [];
    this.last = output.stored;
    return output;
  }

  async tool(proxy: ToolProxy, input: { runId: string; step: number; call: { callId: string; name: string } }): Promise<HeldMessage> {
    if (!this.last) throw new Error('a tool call before any model step');
    return (await proxy({ ...input, from: this.last })).stored;
  }

  add(message: HeldMessage): void {
    this.pending.push(message);
  }

  callOf(call: { callId: string; name: string }) {
    return { call, from: this.last };
  }

  interruptedText(): string {
    return interruptedTextOf(this.pending.at(-1));
  }

  progress() {
    return { messages: [], transcript: this.transcript, pending: this.pending };
  }

  carried() {
    return { messages: [], transcript: this.transcript, pending: this.pending };
  }

  async finish(done: { usage: Usage; steps: number; finishReason: FinishReason }) {
    // Tool results of a last step (maxSteps reached) join the transcript, so the result is complete.
    if (this.pending.length > 0 || !this.transcript) {
      this.transcript = await this.activities.appendTranscript({ transcript: this.transcript, append: this.pending });
      this.pending = [];
    }
    const from = this.from ? { from: this.from } : {};
    return { result: { transcript: this.transcript, ...done, ...from }, transcript: this.transcript };
  }
}
