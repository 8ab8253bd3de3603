import type { RunLog } from '../src/bus/run-log.js';
import type { ReasoningBlock } from '../src/protocol/messages.js';
import type { StepCheckpoint } from './checkpoint.js';
import type { ActivityDependencies } from './dependencies.js';

export interface RecoverStepInput {
  runId: string;
  step: number;
}

/**
 * A step's text and reasoning as a viewer of the log rebuilds them: deltas
 * applied, rolled back on `step.resumed`. Undefined when the log does not
 * cover the run (trimmed, expired, a gap), so nothing unseen is invented.
 */
export async function readStepFromLog(log: RunLog, runId: string, step: number): Promise<{ text: string; reasoning: ReasoningBlock[] } | undefined> {
  if (!(await log.covers(runId, undefined))) return undefined;
  let text = '';
  let reasoning = new Map<string, string>();
  let after: string | undefined;
  for (;;) {
    const page = await log.read(runId, after, 1_000);
    for (const { id, event } of page) {
      after = id;
      if (!('step' in event) || event.step !== step) continue;
      if (event.type === 'step.started') {
        text = '';
        reasoning = new Map();
      }
      if (event.type === 'step.resumed') {
        text = text.slice(0, event.offset);
        if (event.reasoning) reasoning = new Map(event.reasoning.map(({ blockId, length }) => [blockId, (reasoning.get(blockId) ?? '').slice(0, length)]));
      }
      if (event.type === 'text.delta') text = text.slice(0, event.offset) + event.text;
      if (event.type === 'reasoning.delta') reasoning.set(event.blockId, (reasoning.get(event.blockId) ?? '') + event.text);
    }
    if (page.length < 1_000) break;
  }
  return { text, reasoning: [...reasoning].map(([blockId, blockText]) => ({ blockId, text: blockText })) };
}

export function createRecoverStep(deps: ActivityDependencies) {
  /**
   * The partial message of a model step cancelled while no attempt ran (it
   * waited between retries): Temporal then records no checkpoint, since the
   * failed attempt's details and heartbeats stay in the pending activity it
   * discards. What that attempt published is in the log, as viewers saw it.
   */
  return async function recoverStep(input: RecoverStepInput): Promise<StepCheckpoint | undefined> {
    const shown = await readStepFromLog(deps.log, input.runId, input.step);
    if (!shown || (shown.text === '' && shown.reasoning.length === 0)) return undefined;
    return {
      version: 1,
      text: shown.text,
      textLength: shown.text.length,
      loggedLength: shown.text.length,
      ...(shown.reasoning.length ? { reasoning: shown.reasoning } : {}),
    };
  };
}
