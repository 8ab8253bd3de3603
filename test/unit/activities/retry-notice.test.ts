import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { retryNotice } from '../../../activities/retry-notice.js';

const info = (attempt: number, retryPolicy = {}, scheduleToCloseTimeoutMs = 0) => ({ attempt, retryPolicy, scheduledTimestampMs: 1_000, scheduleToCloseTimeoutMs });
const policy = { initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 60_000, maximumAttempts: 6 };
const rateLimited = ApplicationFailure.create({ type: 'ProviderError.rate_limit', message: 'slow down' });

describe('retryNotice: what Temporal does next with a failed attempt', () => {
  it('backs off by the policy: initial × coefficient^(attempt−1), capped at the maximum interval', () => {
    expect(retryNotice(rateLimited, info(1, policy), 0)).toEqual({ attempt: 2, delayMs: 1_000, error: { type: 'ProviderError.rate_limit', message: 'slow down', retryable: true } });
    expect(retryNotice(rateLimited, info(3, policy), 0)?.delayMs).toBe(4_000);
    expect(retryNotice(rateLimited, info(5, { ...policy, maximumInterval: 10_000 }), 0)?.delayMs).toBe(10_000);
  });

  it("takes the failure's own next retry delay (a provider's retry-after)", () => {
    const failure = ApplicationFailure.create({ type: 'ProviderError.rate_limit', message: 'slow down', nextRetryDelay: 4_200 });
    expect(retryNotice(failure, info(2, policy), 0)?.delayMs).toBe(4_200);
  });

  it("uses Temporal's defaults for an unset policy, and names a plain error by its class", () => {
    expect(retryNotice(new TypeError('boom'), info(2), 0)).toEqual({ attempt: 3, delayMs: 2_000, error: { type: 'TypeError', message: 'boom', retryable: true } });
    expect(retryNotice(new CancelledFailure('WORKER_SHUTDOWN'), info(1), 0)?.error.type).toBe('CancelledFailure');
  });

  it('announces nothing Temporal will not do', () => {
    expect(retryNotice(ApplicationFailure.create({ type: 'ProviderError.auth', message: 'no', nonRetryable: true }), info(1, policy), 0)).toBeUndefined();
    expect(retryNotice(rateLimited, info(1, { ...policy, nonRetryableErrorTypes: ['ProviderError.rate_limit'] }), 0)).toBeUndefined();
    expect(retryNotice(rateLimited, info(6, policy), 0)).toBeUndefined();
    expect(retryNotice(rateLimited, info(1, policy, 1_500), 2_000)).toBeUndefined(); // the next attempt would start past schedule-to-close
    expect(retryNotice('not an error', info(1, policy), 0)).toBeUndefined();
  });
});
