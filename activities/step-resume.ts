import type { KeptReasoning, StepView } from '../src/protocol/index.js';
import type { ReasoningBlock } from '../src/protocol/messages.js';
import type { StepCheckpoint } from './checkpoint.js';
import { checkpointTextFromLog } from './logged-step.js';

/**
 * How a step carries on from a checkpoint. `continue`: the model continues the
 * partial text (assistant prefill), so viewers roll back to what the log is
 * known to hold (text to `rollbackTo`, reasoning to `keepReasoning`), get the
 * rest of the checkpointed text and reasoning again, then the continuation.
 * `regenerate`: the step starts over; viewers drop its text and reasoning.
 * `unchecked`: characters of `text` no checkpoint vouched for (the log held
 * them past the last one), which the earlier attempt spent.
 */
export type ResumePlan =
  | { kind: 'continue'; rollbackTo: number; text: string; reasoning: ReasoningBlock[]; keepReasoning: KeptReasoning[]; republish: string; unchecked: number }
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
  /** The step as the log holds it, to its end, when the checkpoint refers to the log (holds no `text`). */
  readLoggedStep: () => Promise<StepView | undefined>;
}): Promise<ResumePlan> {
  const { checkpoint } = options;
  if (!checkpoint) return regenerate('no checkpoint');
  if (!options.continuesPartialText) return regenerate('the model cannot continue a partial message');
  // Prefill continues text only; a message that already has tool calls or unfinished reasoning starts over.
  if (checkpoint.toolCalls?.length) return regenerate('the partial message has tool calls');
  if (checkpoint.reasoningIncomplete) return regenerate('the partial reasoning is incomplete');
  if (checkpoint.text !== undefined) {
    if (checkpoint.textLength === 0) return regenerate('no text yet');
    const rollbackTo = Math.min(checkpoint.loggedLength, checkpoint.text.length);
    return {
      kind: 'continue',
      rollbackTo,
      text: checkpoint.text,
      reasoning: checkpoint.reasoning ?? [],
      keepReasoning: keptReasoning(checkpoint),
      republish: checkpoint.text.slice(rollbackTo),
      unchecked: 0,
    };
  }
  // By reference (or offsets only, past the size bound): the log holds the text up to `loggedLength` (and maybe more), the checkpoint the rest.
  const shown = await options.readLoggedStep().catch(() => undefined);
  const read = checkpointTextFromLog(checkpoint, shown);
  if (!read) return regenerate('the log no longer holds the partial text');
  if (read.text.length === 0) return regenerate('no text yet');
  return {
    kind: 'continue',
    rollbackTo: read.logged,
    text: read.text,
    reasoning: checkpoint.reasoning ?? [],
    keepReasoning: keptReasoning(checkpoint),
    republish: read.text.slice(read.logged),
    unchecked: Math.max(0, read.text.length - checkpoint.loggedLength - (checkpoint.tail ?? '').length),
  };
}
