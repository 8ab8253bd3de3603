import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, request } from 'undici';
import { addressRefusal, urlRefusal, type WebhookHosts } from './webhook-hosts.js';
import type { WebhookMessage } from './webhook-events.js';
import { signWebhook } from './webhook-signature.js';

/** The URL or the address it resolved to may not be called: retrying will not change that. */
export class WebhookRefusedError extends Error {
  override readonly name = 'WebhookRefusedError';
}

/** The receiver did not take the message (an error status, or no answer): worth another attempt. */
export class WebhookDeliveryError extends Error {
  override readonly name = 'WebhookDeliveryError';
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A DNS lookup for the socket that refuses internal addresses: the check is
 * made on the very addresses the socket then connects to, so a name that
 * resolves to a public address when the run is enqueued and to 127.0.0.1 or
 * 169.254.169.254 now (DNS rebinding) is refused here.
 */
function guardedLookup(hosts: WebhookHosts, refused: { reason?: string }) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const reason = addresses.map((entry) => addressRefusal(entry.address, hosts)).find((refusal) => refusal !== undefined);
      if (reason) {
        refused.reason = `${hostname} resolved to ${reason}`;
        return callback(new WebhookRefusedError(refused.reason), []);
      }
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

export interface DeliveryOptions {
  key: Buffer;
  hosts: WebhookHosts;
  /** Longest an attempt may take, connect to answer (default 15 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The body sent: what is signed, byte for byte. */
export const webhookBody = (message: WebhookMessage): string => JSON.stringify({ type: message.type, timestamp: message.timestamp, data: message.data });

/**
 * One signed POST of a message. Resolves on a 2xx answer; a redirect is not
 * followed (its target was never checked) and counts as a failed attempt.
 */
export async function deliverWebhook(url: string, message: WebhookMessage, options: DeliveryOptions): Promise<{ status: number }> {
  const refusal = urlRefusal(url, options.hosts);
  if (refusal) throw new WebhookRefusedError(`webhook.url ${refusal}`);
  const body = webhookBody(message);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const refused: { reason?: string } = {};
  const dispatcher = new Agent({ connect: { lookup: guardedLookup(options.hosts, refused), timeout: timeoutMs }, connections: 1, pipelining: 0 });
  try {
    const response = await request(url, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', 'user-agent': 'runstream-webhooks', ...signWebhook(options.key, message.id, body) },
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    }).catch((error: unknown) => {
      if (refused.reason) throw new WebhookRefusedError(refused.reason);
      throw new WebhookDeliveryError(`the receiver could not be reached: ${error instanceof Error ? error.message : String(error)}`);
    });
    // Only the status matters; the body is read so the connection closes cleanly, and never kept.
    await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    if (response.statusCode >= 200 && response.statusCode < 300) return { status: response.statusCode };
    const retryAfter = Number(response.headers['retry-after']);
    throw new WebhookDeliveryError(
      `the receiver answered ${response.statusCode}`,
      response.statusCode,
      Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 3600) * 1000 : undefined,
    );
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}
