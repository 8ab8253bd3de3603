import type { RunLog } from '../src/bus/run-log.js';
import { compareStreamIds } from '../src/bus/stream-id.js';
import type { ReasoningBlock } from '../src/messages.js';
import type { StepCheckpoint } from './checkpoint.js';

/**
 * How a step carries on from a checkpoint. `continue`: the model continues the
 * partial text (assistant prefill), so viewers roll back to what the log is
 * known to hold, get the rest of the checkpointed text again, then the
 * continuation. `regenerate`: the step starts over and viewers roll back to 0.
 */
export type ResumePlan =
  | { kind: 'continue'; rollbackTo: number; text: string; reasoning: ReasoningBlock[]; republish: string }
  | { kind: 'regenerate'; rollbackTo: 0; reason: string };

const regenerate = (reason: string): ResumePlan => ({ kind: 'regenerate', rollbackTo: 0, reason });

export async function planResume(options: {
  checkpoint: StepCheckpoint | undefined;
  continuesPartialText: boolean;
  /** Rebuilds the step's logged text when the checkpoint holds offsets only. */
  readLoggedText: (checkpoint: StepCheckpoint) => Promise<string | undefined>;
}): Promise<ResumePlan> {
  const { checkpoint } = options;
  if (!checkpoint) return regenerate('no checkpoint');
  if (!options.continuesPartialText) return regenerate('the model cannot continue a partial message');
  // Prefill continues text only; a message that already has tool calls or unfinished reasoning starts over.
  if (checkpoint.toolCalls?.length) return regenerate('the partial message has tool calls');
  if (checkpoint.reasoningIncomplete) return regenerate('the partial reasoning is incomplete');
  if (checkpoint.textLength === 0) return regenerate('no text yet');
  if (checkpoint.text !== undefined) {
    const rollbackTo = Math.min(checkpoint.loggedLength, checkpoint.text.length);
    return {
      kind: 'continue',
      rollbackTo,
      text: checkpoint.text,
      reasoning: checkpoint.reasoning ?? [],
      republish: checkpoint.text.slice(rollbackTo),
    };
  }
  const logged = await options.readLoggedText(checkpoint).catch(() => undefined);
  if (logged === undefined || logged.length < checkpoint.loggedLength || checkpoint.loggedLength === 0) {
    return regenerate('the log no longer holds the partial text');
  }
  const text = logged.slice(0, checkpoint.loggedLength);
  return { kind: 'continue', rollbackTo: text.length, text, reasoning: checkpoint.reasoning ?? [], republish: '' };
}

/**
 * The step's text as a viewer of the log would rebuild it (deltas at their
 * offsets, rollbacks on `step.resumed`), up to the checkpoint's last log id.
 * Undefined when the log was trimmed past the step or Redis is away.
 */
export async function readStepTextFromLog(log: RunLog, runId: string, step: number, upTo: string | undefined): Promise<string | undefined> {
  if (upTo === undefined || !(await log.covers(runId, undefined))) return undefined;
  let text = '';
  let after: string | undefined;
  for (;;) {
    const page = await log.read(runId, after, 1_000);
    for (const entry of page) {
      if (compareStreamIds(entry.id, upTo) > 0) return text;
      const event = entry.event;
      if (event.type === 'step.started' && event.step === step) text = '';
      if (event.type === 'step.resumed' && event.step === step) text = text.slice(0, event.offset);
      if (event.type === 'text.delta' && event.step === step) text = text.slice(0, event.offset) + event.text;
      after = entry.id;
    }
    if (page.length < 1_000) return text;
  }
}
