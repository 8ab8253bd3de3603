import { ApplicationFailure } from '@temporalio/common';
import { ModelUnavailableError } from '../src/models.js';
import { ProviderError } from '../src/providers/provider-error.js';

/**
 * The one place a step's error becomes a Temporal failure. Provider-side
 * retries are off; Temporal retries exactly what this marks retryable, after
 * the provider's own retry-after when it gave one.
 */
export function toActivityFailure(error: unknown, details: unknown[] = []): unknown {
  if (error instanceof ProviderError) {
    return ApplicationFailure.create({
      type: `ProviderError.${error.kind}`,
      message: error.message,
      nonRetryable: !error.isRetryable,
      // A zero delay (a reset time already past) would end the retries: leave it to the retry policy's backoff.
      ...(error.retryAfterMs === undefined || error.retryAfterMs <= 0 || !error.isRetryable
        ? {}
        : { nextRetryDelay: Math.ceil(error.retryAfterMs) }),
      details,
    });
  }
  if (error instanceof ModelUnavailableError) {
    return ApplicationFailure.create({ type: 'ModelUnavailable', message: error.message, nonRetryable: true, details });
  }
  return error;
}
