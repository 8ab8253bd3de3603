import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { runEventSchema, runEventTypes } from '../protocol/index.js';
import { apiErrorTypes, type ApiErrorType } from './api-error.js';
import { apiErrorSchema } from './api-schemas.js';
import { errorsOf, type RouteDescription } from './routes.js';

/**
 * The OpenAPI 3.1 document of the API, generated from the routes' own
 * descriptions and zod schemas (routes.ts): what is served is what is listed.
 * Request schemas are written as the API takes them (`io: 'input'`), answers
 * as it gives them (`io: 'output'`).
 */

type JsonSchema = Record<string, unknown>;

export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

/** `/v1/runs/:id` → `/v1/runs/{id}`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

const errorDescriptions: Record<ApiErrorType, string> = {
  invalid_request: 'The request is invalid: `issues` names each field (`(body)` for the body as a whole).',
  unauthorized: 'No API key, a wrong one, or a malformed, forged or expired viewer token.',
  forbidden: "A viewer token for another run or thread.",
  not_found: 'No such run, thread or route.',
  method_not_allowed: 'The path exists, not with this method: `Allow` lists the methods it takes.',
  conflict: "The resource's state does not allow it, or live workers define a named tool or agent differently.",
  payload_too_large: 'The body is above the limit (32 MiB for POST /v1/runs by default, 64 KB for any other body).',
  unsupported_media_type: 'The body is not sent as `Content-Type: application/json`.',
  rate_limited: "Past the API key's rate or concurrency limit: retry after `Retry-After` seconds.",
  internal: 'An unexpected error; the API logs it with the request id.',
  unavailable: 'A tool or agent is named while no worker is live on the task queue: retry after `Retry-After` seconds.',
};
const errorHeaders: Partial<Record<ApiErrorType, Record<string, string>>> = {
  rate_limited: { 'Retry-After': 'Seconds to wait before trying again.' },
  unavailable: { 'Retry-After': 'Seconds to wait before trying again.' },
  method_not_allowed: { Allow: 'The methods this path takes.' },
};

const headersObject = (headers: Record<string, string> | undefined) =>
  headers && Object.keys(headers).length > 0
    ? Object.fromEntries(Object.entries(headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]))
    : undefined;

function parameters(route: RouteDescription) {
  const list: JsonSchema[] = [];
  const add = (where: 'path' | 'query' | 'header', schema: z.ZodObject | undefined) => {
    if (!schema) return;
    const json = jsonSchemaOf(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(json.properties ?? {})) {
      const { description, ...rest } = property;
      list.push({
        name,
        in: where,
        required: where === 'path' || (json.required ?? []).includes(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  };
  add('path', route.params);
  add('query', route.query);
  add('header', route.headers);
  if (route.auth === 'reader' && !list.some((parameter) => parameter.name === 'token')) {
    list.push({ name: 'token', in: 'query', required: false, description: 'A viewer token of this resource.', schema: { type: 'string' } });
  }
  return list;
}

function responses(route: RouteDescription) {
  const answers: Record<string, JsonSchema> = {};
  for (const [status, answer] of Object.entries(route.answers)) {
    const content: Record<string, JsonSchema> = {};
    if (answer.json) content['application/json'] = { schema: jsonSchemaOf(answer.json, 'output') };
    if (answer.media) {
      // A stream's schema is each event's (as OpenAPI 3.2's itemSchema, and as Schemathesis reads it): its `data` is a RunEvent's JSON.
      content[answer.media.type] = answer.media.itemSchema
        ? {
            schema: {
              type: 'object',
              ...(answer.media.itemDescription ? { description: answer.media.itemDescription } : {}),
              properties: {
                id: { type: 'string', description: 'The log id, `<ms>-<seq>`: send it back as Last-Event-ID to resume.' },
                event: { type: 'string', enum: [...runEventTypes] },
                data: { type: 'string', contentMediaType: 'application/json', contentSchema: { $ref: '#/components/schemas/RunEvent' } },
              },
              required: ['data'],
            },
          }
        : { schema: { type: 'string' } };
    }
    const headers = headersObject(answer.headers);
    answers[status] = { description: answer.description, ...(headers ? { headers } : {}), ...(Object.keys(content).length > 0 ? { content } : {}) };
  }
  for (const type of errorsOf(route).sort((a, b) => apiErrorTypes[a] - apiErrorTypes[b])) {
    const headers = headersObject(errorHeaders[type]);
    answers[String(apiErrorTypes[type])] = {
      description: `\`${type}\`: ${errorDescriptions[type]}`,
      ...(headers ? { headers } : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } },
    };
  }
  return answers;
}

const security = (route: RouteDescription) =>
  route.auth === 'none' ? [] : route.auth === 'reader' ? [{ apiKey: [] }, { viewerToken: [] }] : [{ apiKey: [] }];

function packageVersion(): string {
  for (const url of [new URL('../../package.json', import.meta.url), new URL('../../../package.json', import.meta.url)]) {
    if (!existsSync(url)) continue;
    const json = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (json.name === 'runstream' && json.version) return json.version;
  }
  return '0.0.0';
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;

export function buildOpenApiDocument(routes: readonly RouteDescription[]) {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const operation: JsonSchema = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: security(route),
      parameters: parameters(route),
      ...(route.body ? { requestBody: { required: route.bodyOptional !== true, content: { 'application/json': { schema: jsonSchemaOf(route.body, 'input') } } } } : {}),
      responses: responses(route),
    };
    (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'runstream',
      version: packageVersion(),
      description:
        'Durable AI-agent runs on Temporal with live event streams. Errors are `{ error: { type, message, issues? } }`; ' +
        'event streams are Server-Sent Events whose `data` is a RunEvent. The project documents it in docs/api.md.',
    },
    paths,
    components: {
      schemas: { ApiError: jsonSchemaOf(apiErrorSchema, 'output'), RunEvent: jsonSchemaOf(runEventSchema, 'output') },
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from RUNSTREAM_API_KEYS: `Authorization: Bearer <key>`.' },
        viewerToken: { type: 'apiKey', in: 'query', name: 'token', description: 'A read-only viewer token for one run or thread (`?token=`).' },
      },
    },
  };
}
