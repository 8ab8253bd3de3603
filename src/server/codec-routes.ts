import type { Payload, PayloadCodec } from '@temporalio/common';
import type { z } from 'zod';
import { ApiError } from './api-error.js';
import { codecPayloadsSchema } from './api-schemas.js';
import type { ApiEnv } from './app.js';
import type { RouteRegistry } from './routes.js';

/**
 * Temporal's codec server protocol, so the Temporal UI and CLI show
 * encrypted payloads decoded: `POST /v1/codec/decode` and `/v1/codec/encode`
 * take and answer `{ payloads: [{ metadata: { name: base64 }, data: base64 }] }`
 * (protobuf JSON of Payloads). API key required, like every key route: point
 * the UI's "codec server" at `<api>/v1/codec` with "pass access token" on, and
 * list the UI's origin in RUNSTREAM_CORS_KEY_ORIGINS.
 */

type JsonPayloads = z.infer<typeof codecPayloadsSchema>;

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

export function mountCodecRoutes(routes: RouteRegistry<ApiEnv>, deps: { codec?: PayloadCodec | undefined }): void {
  for (const direction of ['encode', 'decode'] as const) {
    routes.route(
      {
        method: 'POST',
        path: `/v1/codec/${direction}`,
        operationId: `${direction}Payloads`,
        summary: `Temporal codec server: ${direction} payloads with RUNSTREAM_PAYLOAD_KEY (they pass through unchanged without one)`,
        tag: 'codec',
        auth: 'key',
        body: codecPayloadsSchema,
        answers: { 200: { description: `The payloads, ${direction}d.`, json: codecPayloadsSchema } },
      },
      async (c, { body }) => {
        // Without a key there is nothing to encode or decode: payloads pass through as they are, as Temporal's own codec servers do.
        if (!deps.codec) return c.json(body);
        try {
          return c.json(toJson(await deps.codec[direction](fromJson(body))));
        } catch (error) {
          throw new ApiError('invalid_request', `the payloads could not be ${direction}d: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    );
  }
}
