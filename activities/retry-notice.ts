import type { Info } from '@temporalio/activity';
import { ApplicationFailure, type Duration } from '@temporalio/common';
import type { RunError } from '../src/protocol/index.js';

// The SDK hands an activity its retry policy with durations in milliseconds, and our failures set
// nextRetryDelay in milliseconds; a duration given as text is left to the defaults.
const millis = (duration: Duration | null | undefined): number | undefined => (typeof duration === 'number' ? duration : undefined);

/** What viewers are told when an attempt failed and Temporal will run another (`step.retrying`). */
export interface RetryNotice {
  /** The attempt that comes next. */
  attempt: number;
  error: RunError;
  delayMs: number;
}

/**
 * Whether Temporal retries this activity attempt's failure, and after how
 * long, decided as the server does from the activity's retry policy: not for
 * a non-retryable failure or type, not past `maximumAttempts` or the
 * schedule-to-close deadline; the failure's `nextRetryDelay` (a provider's
 * retry-after) wins over the backoff `initialInterval × backoffCoefficient^(attempt−1)`,
 * capped at `maximumInterval`. Unset policy fields take Temporal's defaults.
 */
export function retryNotice(failure: unknown, info: Pick<Info, 'attempt' | 'retryPolicy' | 'scheduledTimestampMs' | 'scheduleToCloseTimeoutMs'>, now = Date.now()): RetryNotice | undefined {
  if (!(failure instanceof Error)) return undefined;
  const application = failure instanceof ApplicationFailure ? failure : undefined;
  if (application?.nonRetryable) return undefined;
  // Temporal names a plain error's failure type after the error's class.
  const type = application ? (application.type ?? 'ApplicationFailure') : failure.name;
  const policy = info.retryPolicy ?? {};
  if (policy.nonRetryableErrorTypes?.includes(type)) return undefined;
  const maximumAttempts = policy.maximumAttempts ?? 0;
  if (maximumAttempts > 0 && info.attempt >= maximumAttempts) return undefined;
  const initial = millis(policy.initialInterval) ?? 1_000;
  const maximum = millis(policy.maximumInterval) ?? 100 * initial;
  const backoff = initial * (policy.backoffCoefficient ?? 2) ** (info.attempt - 1);
  const delayMs = Math.round(millis(application?.nextRetryDelay ?? undefined) ?? Math.min(backoff, maximum));
  const deadline = info.scheduleToCloseTimeoutMs > 0 ? info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs : Infinity;
  if (now + delayMs >= deadline) return undefined;
  return { attempt: info.attempt + 1, error: { type, message: failure.message, retryable: true }, delayMs };
}
