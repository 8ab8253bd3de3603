import type { StepCheckpoint } from './checkpoint.js';
import type { ActivityDependencies } from './dependencies.js';
import { readLoggedStep } from './logged-step.js';

export interface RecoverStepInput {
  runId: string;
  step: number;
}

export function createRecoverStep(deps: ActivityDependencies) {
  /**
   * The partial message of a model step cancelled while no attempt ran (it
   * waited between retries): Temporal then records no checkpoint, since the
   * failed attempt's details and heartbeats stay in the pending activity it
   * discards. What that attempt published is in the log, as viewers saw it.
   */
  return async function recoverStep(input: RecoverStepInput): Promise<StepCheckpoint | undefined> {
    const shown = await readLoggedStep(deps.log, input.runId, input.step);
    if (!shown || (shown.text === '' && shown.reasoning.length === 0)) return undefined;
    const reasoning = shown.reasoning.map(({ blockId, text }) => ({ blockId, text }));
    return {
      version: 1,
      text: shown.text,
      textLength: shown.text.length,
      loggedLength: shown.text.length,
      ...(reasoning.length ? { reasoning } : {}),
    };
  };
}
