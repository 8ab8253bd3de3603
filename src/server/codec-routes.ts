import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Context, Env, Hono } from 'hono';
import { z } from 'zod';
import { issuesOf } from '../runs/run-request.js';
import { ApiError } from './api-error.js';

/**
 * Temporal's codec server protocol, so the Temporal UI and CLI show
 * encrypted payloads decoded: `POST /v1/codec/decode` and `/v1/codec/encode`
 * take and answer `{ payloads: [{ metadata: { name: base64 }, data: base64 }] }`
 * (protobuf JSON of Payloads). API key required, like every key route: point
 * the UI's "codec server" at `<api>/v1/codec` with "pass access token" on, and
 * list the UI's origin in RUNSTREAM_CORS_KEY_ORIGINS.
 */

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
const payloadsSchema = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }))
    .max(10_000, 'at most 10000 payloads per request'),
});

type JsonPayloads = z.infer<typeof payloadsSchema>;

const fromJson = ({ payloads }: JsonPayloads): Payload[] =>
  payloads.map((payload) => ({
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  }));

const toJson = (payloads: Payload[]): JsonPayloads => ({
  payloads: payloads.map((payload) => ({
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  })),
});

export function mountCodecRoutes<E extends Env>(app: Hono<E>, deps: { codec?: PayloadCodec | undefined }, guard: { requireKey: (c: Context<E>) => string }): void {
  for (const direction of ['encode', 'decode'] as const) {
    app.post(`/v1/codec/${direction}`, async (c) => {
      guard.requireKey(c);
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new ApiError('invalid_request', 'the body is not valid JSON', [{ path: '(body)', message: 'expected { payloads: [...] }' }]);
      }
      const parsed = payloadsSchema.safeParse(body);
      if (!parsed.success) {
        const issues = issuesOf(parsed.error);
        throw new ApiError('invalid_request', issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), issues);
      }
      // Without a key there is nothing to encode or decode: payloads pass through as they are, as Temporal's own codec servers do.
      if (!deps.codec) return c.json(parsed.data);
      try {
        return c.json(toJson(await deps.codec[direction](fromJson(parsed.data))));
      } catch (error) {
        throw new ApiError('invalid_request', `the payloads could not be ${direction}d: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }
}
