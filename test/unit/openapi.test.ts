import { describe, expect, it } from 'vitest';
import { createApi, type ApiDependencies } from '../../src/server/app.js';
import { openApiPath } from '../../src/server/openapi.js';
import { ViewerTokens } from '../../src/server/viewer-token.js';

// Registering routes touches none of the services: only the auth pieces are real.
const deps = { runs: {}, threads: {}, catalogue: {}, log: {}, live: {}, apiKeys: { identify: () => undefined }, viewerTokens: new ViewerTokens('secret') } as unknown as ApiDependencies;
const env = { outgoing: { setHeader: () => undefined, headersSent: false } };

type Operation = { parameters: { name: string; in: string }[]; responses: Record<string, unknown> };

describe('the OpenAPI document', () => {
  const { app } = createApi(deps);
  const documentOf = async () => (await (await app.request('/openapi.json', {}, env)).json()) as { openapi: string; paths: Record<string, Record<string, Operation>> };

  it('lists every route the app serves, and only those', async () => {
    const document = await documentOf();
    expect(document.openapi).toBe('3.1.0');
    // A route with middleware (the body limit) appears once per handler: count each method and path once.
    const served = [...new Set(app.routes.filter((route) => route.method !== 'ALL').map((route) => `${route.method} ${openApiPath(route.path)}`))];
    const listed = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    expect([...listed].sort()).toEqual([...served].sort());
  });

  it('declares every path parameter, and a success answer for every route', async () => {
    for (const [path, methods] of Object.entries((await documentOf()).paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(methods)) {
        expect(operation.parameters.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name), `${method} ${path}`).toEqual(names);
        expect(Object.keys(operation.responses).some((status) => status.startsWith('2')), `${method} ${path}`).toBe(true);
      }
    }
  });

  it('answers an undeclared method on a known path 405 with Allow, an unknown path 404', async () => {
    const refused = await app.request('/v1/runs/run_0000000000000000', { method: 'PUT' }, env);
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('GET, HEAD');
    expect((await app.request('/v1/nothing', {}, env)).status).toBe(404);
  });
});
