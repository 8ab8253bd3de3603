/** The events a webhook can be sent for (API.md `webhook.events`); without `events`, the run's end (workflows/webhook-delivery.ts). */
export const webhookEventTypes = ['run.completed', 'run.failed', 'run.cancelled', 'tool.approval_requested'] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];


/** `webhook: { url, events? }` on a run, a thread or an agent. */
export interface WebhookSpec {
  url: string;
  events?: WebhookEventType[] | undefined;
}


/**
 * One message as it is signed and sent (Standard Webhooks' suggested body:
 * `type`, `timestamp`, `data`). `id` goes in the `webhook-id` header: the same
 * on every attempt, so receivers dedupe.
 */
export interface WebhookMessage {
  id: string;
  type: WebhookEventType;
  /** When the event happened (ISO), not when this attempt was made. */
  timestamp: string;
  data: Record<string, unknown>;
}
