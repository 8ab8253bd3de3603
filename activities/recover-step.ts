import type { StepCheckpoint } from './checkpoint.js';
import type { ActivityDependencies } from './dependencies.js';
import { checkpointTextFromLog, readLoggedStep } from './logged-step.js';

export interface RecoverStepInput {
  runId: string;
  step: number;
  /**
   * A checkpoint by reference that reached history without its text (the last
   * heartbeat of a step whose worker died on its final attempt): the text is
   * read from the log (up to the checkpoint and whatever of the same message
   * the log holds past it), plus the checkpoint's tail.
   */
  checkpoint?: StepCheckpoint | undefined;
}

export function createRecoverStep(deps: ActivityDependencies) {
  /**
   * The partial message of a model step that ended without handing it over
   * itself. Cancelled while no attempt ran (it waited between retries),
   * Temporal records no checkpoint, since the failed attempt's details and
   * heartbeats stay in the pending activity it discards: what that attempt
   * published is in the log, as viewers saw it. Timed out on its last
   * attempt, history holds the last heartbeat's checkpoint, which refers to
   * the log for its text. Undefined when the log no longer holds it (Redis
   * lost it, or it expired): nothing unseen is invented, the transcript goes
   * on without that partial message.
   */
  return async function recoverStep(input: RecoverStepInput): Promise<StepCheckpoint | undefined> {
    const { checkpoint } = input;
    if (checkpoint) {
      // A log that cannot be read fails the attempt (Temporal retries it), unless nothing was logged: then the
      // checkpoint's tail stands alone, and the log could only have extended it.
      const shown = await readLoggedStep(deps.log, input.runId, input.step).catch((error: unknown) => {
        if (checkpoint.loggedLength > 0) throw error;
        return undefined;
      });
      const read = checkpointTextFromLog(checkpoint, shown);
      if (!read) return undefined;
      const { tail: _tail, ...rest } = checkpoint;
      return { ...rest, text: read.text, textLength: read.text.length, loggedLength: read.logged };
    }
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
