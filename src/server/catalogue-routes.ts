import type { Context, Env, Hono } from 'hono';
import type { CatalogueReader, CatalogueView } from '../catalogue/catalogue-reader.js';

/** Who serves what, and what is wrong with it: conflicts and MCP servers that are not ready. */
const health = (view: CatalogueView) => ({
  workers: view.workers.length,
  conflicts: view.conflicts.map(({ kind, name, definitions }) => ({ kind, name, workers: definitions.map((definition) => definition.workers) })),
  mcpServers: view.mcpServers,
});

/**
 * `GET /v1/tools` and `GET /v1/agents`: the union of what the live workers
 * of this API's task queue publish, read fresh from Redis on each call. A
 * name that workers define differently is listed under `conflicts`, not in
 * the list, since no one definition is the right one.
 */
export function mountCatalogueRoutes<E extends Env>(
  app: Hono<E>,
  deps: { catalogue: Pick<CatalogueReader, 'read'> },
  guard: { requireKey: (c: Context<E>) => string },
): void {
  app.get('/v1/tools', async (c) => {
    guard.requireKey(c);
    const view = await deps.catalogue.read();
    const tools = [...view.tools.values()].map(({ definition, workers }) => ({ ...definition, workers: workers.length }));
    return c.json({ tools, ...health(view) });
  });

  app.get('/v1/agents', async (c) => {
    guard.requireKey(c);
    const view = await deps.catalogue.read();
    const agents = [...view.agents.values()].map(({ definition, workers }) => ({
      name: definition.name,
      description: definition.description ?? '',
      model: definition.model ?? null,
      tools: definition.tools ?? [],
      ...(definition.maxSteps === undefined ? {} : { maxSteps: definition.maxSteps }),
      ...(definition.modelSettings === undefined ? {} : { modelSettings: definition.modelSettings }),
      ...(definition.output === undefined ? {} : { output: definition.output }),
      ...(definition.budget === undefined ? {} : { budget: definition.budget }),
      workers: workers.length,
    }));
    return c.json({ agents, ...health(view) });
  });
}
