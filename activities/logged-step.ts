import type { RunLog } from '../src/bus/run-log.js';
import { compareStreamIds, emptyStepView, foldStep, type StepView } from '../src/protocol/index.js';

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
