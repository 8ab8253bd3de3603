import * as z from 'zod';
import { webhookEventTypes, type WebhookSpec } from './webhook-events.js';

/** `webhook: { url, events? }`; whether the URL may be called is checked by the API against RUNSTREAM_WEBHOOK_HOSTS (webhook-hosts.ts). */
export const webhookSpecSchema: z.ZodType<WebhookSpec> = z
  .object({
    url: z.string().max(2048, 'url must be at most 2048 characters').refine((value) => URL.canParse(value), { message: 'url must be an absolute http(s) URL' }),
    events: z
      .array(z.enum(webhookEventTypes, { message: `events may name ${webhookEventTypes.join(', ')}` }))
      .min(1, 'events must name at least one event (omit it for the run\'s end)')
      .optional(),
  })
  .strict();
