import type { InputIssue } from '../runs/run-request.js';
import type { WebhookSpec } from './webhook-events.js';
import { urlRefusal, type WebhookHosts } from './webhook-hosts.js';

/** A webhook that may not be called, as a 400's issue naming `webhook.url` (before anything starts). */
export function webhookIssues(spec: WebhookSpec | undefined, hosts: WebhookHosts | undefined): InputIssue[] {
  if (!spec) return [];
  const refusal = hosts ? urlRefusal(spec.url, hosts) : 'webhooks are off: RUNSTREAM_WEBHOOK_HOSTS lists no hosts';
  return refusal ? [{ path: 'webhook.url', message: `webhook.url ${refusal}` }] : [];
}
