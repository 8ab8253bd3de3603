import type { RunLog } from '../src/bus/run-log.js';
import type { KeptReasoning } from '../src/protocol/index.js';
import type { ReasoningBlock } from '../src/protocol/messages.js';
import type { StepCheckpoint } from './checkpoint.js';
import { readLoggedStep } from './logged-step.js';

/**
 * How a step carries on from a checkpoint. `continue`: the model continues the
 * partial text (assistant prefill), so viewers roll back to what the log is
 * known to hold (text to `rollbackTo`, reasoning to `keepReasoning`), get the
 * rest of the checkpointed text and reasoning again, then the continuation.
 * `regenerate`: the step starts over; viewers drop its text and reasoning.
 */
export type ResumePlan =
  | { kind: 'continue'; rollbackTo: number; text: string; reasoning: ReasoningBlock[]; keepReasoning: KeptReasoning[]; republish: string }
  | { kind: 'regenerate'; rollbackTo: 0; keepReasoning: []; reason: string };

const regenerate = (reason: string): ResumePlan => ({ kind: 'regenerate', rollbackTo: 0, keepReasoning: [], reason });

/** The logged part of each checkpointed reasoning block, in the blocks' order. */
function keptReasoning(checkpoint: StepCheckpoint): KeptReasoning[] {
  const logged = new Map((checkpoint.loggedReasoning ?? []).map((block) => [block.blockId, block.length]));
  return (checkpoint.reasoning ?? []).flatMap((block) => {
    const length = logged.get(block.blockId);
    return length === undefined ? [] : [{ blockId: block.blockId, length: Math.min(length, block.text.length) }];
  });
}

export async function planResume(options: {
  checkpoint: StepCheckpoint | undefined;
  continuesPartialText: boolean;
  /** Rebuilds the step's logged text when the checkpoint refers to the log (holds no `text`). */
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
      keepReasoning: keptReasoning(checkpoint),
      republish: checkpoint.text.slice(rollbackTo),
    };
  }
  // By reference (or offsets only, past the size bound): the log holds the text up to `loggedLength`, the checkpoint the rest.
  const tail = checkpoint.tail ?? '';
  const logged = checkpoint.loggedLength === 0 ? '' : await options.readLoggedText(checkpoint).catch(() => undefined);
  if (logged === undefined || logged.length < checkpoint.loggedLength || checkpoint.loggedLength + tail.length === 0) {
    return regenerate('the log no longer holds the partial text');
  }
  const text = logged.slice(0, checkpoint.loggedLength) + tail;
  return {
    kind: 'continue',
    rollbackTo: checkpoint.loggedLength,
    text,
    reasoning: checkpoint.reasoning ?? [],
    keepReasoning: keptReasoning(checkpoint),
    republish: tail,
  };
}

/**
 * The step's text as a viewer of the log rebuilds it, up to the checkpoint's
 * last log id. Undefined when the log was trimmed past the step or Redis is away.
 */
export async function readStepTextFromLog(log: RunLog, runId: string, step: number, upTo: string | undefined): Promise<string | undefined> {
  if (upTo === undefined) return undefined;
  return (await readLoggedStep(log, runId, step, upTo))?.text;
}
