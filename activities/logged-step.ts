import type { RunLog } from '../src/bus/run-log.js';
import { compareStreamIds, emptyStepView, foldStep, type StepView } from '../src/protocol/index.js';
import type { StepCheckpoint } from './checkpoint.js';

/**
 * A step as a viewer of the log sees it, folded by the protocol's reducer
 * (deltas at their offsets, rollbacks on `step.resumed`), up to the entry
 * `upTo` when given. Undefined when the log does not cover the run (trimmed,
 * expired, a gap) or Redis is away, so nothing unseen is invented; so is a
 * text delta past the end of the text so far: entries before it are gone
 * (a log flushed and begun again by a later append looks whole otherwise).
 */
export async function readLoggedStep(log: RunLog, runId: string, step: number, upTo?: string): Promise<StepView | undefined> {
  if (!(await log.covers(runId, undefined))) return undefined;
  let view = emptyStepView(step);
  let after: string | undefined;
  for (;;) {
    const page = await log.read(runId, after, 1_000);
    for (const { id, event } of page) {
      if (upTo !== undefined && compareStreamIds(id, upTo) > 0) return view;
      after = id;
      if (!('step' in event) || event.step !== step) continue;
      if (event.type === 'text.delta' && event.offset > view.text.length) return undefined;
      view = foldStep(view, event);
    }
    if (page.length < 1_000) return view;
  }
}

/** The checkpoint's text read back from the log, and how much of it the log holds (where viewers are). */
export interface TextFromLog {
  text: string;
  logged: number;
}

/**
 * The text a checkpoint by reference stands for, from the step as the log
 * holds it now (`shown`, read to the log's end): the log's text up to
 * `loggedLength`, then the checkpoint's tail. Where the log holds more of the
 * same message, because the attempt went on streaming after its last
 * checkpoint until it died, all of it: viewers saw that text, so a resume
 * keeps it instead of rolling them back, however long ago the last heartbeat
 * was. Only text extends a checkpoint; reasoning or a tool call the log holds
 * past it, or a step the log shows finished, leaves the checkpoint as it was.
 * Undefined when the log holds less than the checkpoint says.
 */
export function checkpointTextFromLog(checkpoint: StepCheckpoint, shown: StepView | undefined): TextFromLog | undefined {
  const tail = checkpoint.tail ?? '';
  if (checkpoint.loggedLength === 0 && !shown) return { text: tail, logged: 0 };
  if (!shown || shown.text.length < checkpoint.loggedLength) return undefined;
  const known = shown.text.slice(0, checkpoint.loggedLength) + tail;
  const onlyTextSince =
    !shown.finished &&
    shown.toolCalls.length === 0 &&
    shown.reasoning.every((block) => {
      const kept = checkpoint.reasoning?.find((candidate) => candidate.blockId === block.blockId);
      return kept !== undefined && block.text.length <= kept.text.length;
    });
  if (onlyTextSince && shown.text.length > known.length && shown.text.startsWith(known)) return { text: shown.text, logged: shown.text.length };
  return { text: known, logged: checkpoint.loggedLength };
}
