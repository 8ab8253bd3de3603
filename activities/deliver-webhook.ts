import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { WebhookMessage } from '../src/webhooks/webhook-events.js';
import { deliverWebhook, WebhookDeliveryError, WebhookRefusedError } from '../src/webhooks/webhook-delivery.js';
import type { ActivityDependencies } from './dependencies.js';

export interface DeliverWebhookInput {
  url: string;
  message: WebhookMessage;
}

/** Failure types a delivery never retries: the URL is not allowed, or this worker cannot sign. */
export const webhookNonRetryableTypes = ['WebhookRefused', 'WebhookNotConfigured'];

/**
 * One delivery attempt of a signed webhook. Temporal retries a failed
 * attempt with backoff (workflows/webhook-delivery.ts); the message id stays
 * the same, the timestamp and signature are the attempt's. The secret comes
 * from this worker's environment, never from the workflow.
 */
export function createDeliverWebhook(deps: ActivityDependencies) {
  return async function deliverWebhookActivity(input: DeliverWebhookInput): Promise<{ status: number }> {
    const context = Context.current();
    const settings = deps.webhooks;
    // The host only: a URL's path or query may hold the receiver's own token.
    const host = URL.canParse(input.url) ? new URL(input.url).host : 'an invalid URL';
    if (!settings?.key) {
      context.log.error('a webhook cannot be signed: RUNSTREAM_WEBHOOK_SECRET is not set on this worker', { host, webhookId: input.message.id });
      throw ApplicationFailure.create({ type: 'WebhookNotConfigured', message: 'RUNSTREAM_WEBHOOK_SECRET is not set on the worker', nonRetryable: true });
    }
    try {
      return await deliverWebhook(input.url, input.message, { key: settings.key, hosts: settings.hosts, signal: context.cancellationSignal });
    } catch (error) {
      if (error instanceof WebhookRefusedError) {
        context.log.warn('webhook refused', { host, webhookId: input.message.id, reason: error.message });
        throw ApplicationFailure.create({ type: 'WebhookRefused', message: error.message, nonRetryable: true });
      }
      if (error instanceof WebhookDeliveryError) {
        context.log.info('webhook attempt failed; Temporal retries it', { host, webhookId: input.message.id, status: error.status, attempt: context.info.attempt });
        throw ApplicationFailure.create({
          type: 'WebhookDeliveryFailed',
          message: error.message,
          ...(error.retryAfterMs === undefined ? {} : { nextRetryDelay: error.retryAfterMs }),
        });
      }
      throw error;
    }
  };
}
