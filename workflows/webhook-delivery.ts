import { ParentClosePolicy, log, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { createActivities, DeliverWebhookInput } from '../activities/index.js';
import type { WebhookEventType, WebhookSpec } from '../src/webhooks/webhook-events.js';

type Activities = ReturnType<typeof createActivities>;

const { deliverWebhook } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  // At least once, for up to three days: backoff from a second to an hour between attempts.
  scheduleToCloseTimeout: '3 days',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 hour', nonRetryableErrorTypes: ['WebhookRefused', 'WebhookNotConfigured'] },
});

/** When a webhook names no events: the run's end, whichever way it ends. */
const defaultWebhookEvents: readonly WebhookEventType[] = ['run.completed', 'run.failed', 'run.cancelled'];

/** One webhook message, delivered with durable retries: its own workflow, so a receiver that is down never holds the run open. */
export async function webhookDelivery(input: DeliverWebhookInput): Promise<void> {
  await deliverWebhook(input);
}

/**
 * Sends a run's event to its webhook when the webhook asks for that event.
 * The delivery is a child workflow the run abandons when it closes: the run
 * ends now, the delivery retries on its own. Its id (and the message's
 * `webhook-id`) comes from the run id and the event, so a replay or a retry
 * never sends a second message. `key` tells apart events a run has several
 * of (one approval request per tool call).
 */
export async function sendWebhook(spec: WebhookSpec | undefined, type: WebhookEventType, data: Record<string, unknown>, key?: string): Promise<void> {
  if (!spec || !(spec.events ?? defaultWebhookEvents).includes(type)) return;
  const runId = workflowInfo().workflowId;
  const name = key === undefined ? type : `${type}.${key}`;
  try {
    await startChild(webhookDelivery, {
      workflowId: `${runId}.webhook.${name}`,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [{ url: spec.url, message: { id: `msg_${runId}.${name}`, type, timestamp: new Date().toISOString(), data: { runId, ...data } } }],
    });
  } catch (error) {
    // A webhook never fails the run it reports on.
    log.warn('could not start the webhook delivery', { error: String(error), event: type });
  }
}
