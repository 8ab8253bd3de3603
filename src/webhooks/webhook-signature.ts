import { createHmac } from 'node:crypto';

/** The Standard Webhooks headers of one delivery attempt. */
// A type, not an interface, so it passes where plain header records are taken.
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/**
 * Signs `id.timestamp.body` with HMAC-SHA256 (Standard Webhooks, scheme v1).
 * The timestamp is the attempt's, in seconds, so a receiver can refuse stale
 * replays; the id is the message's, the same on every attempt, so it can dedupe.
 */
export function signWebhook(key: Buffer, id: string, body: string, now = Date.now()): WebhookHeaders {
  const timestamp = String(Math.floor(now / 1000));
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
