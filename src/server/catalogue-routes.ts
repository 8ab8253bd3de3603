import type { CatalogueReader, CatalogueView } from '../catalogue/catalogue-reader.js';
import { agentListSchema, toolListSchema } from './api-schemas.js';
import type { ApiEnv } from './app.js';
import type { RouteRegistry } from './routes.js';

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
export function mountCatalogueRoutes(routes: RouteRegistry<ApiEnv>, deps: { catalogue: Pick<CatalogueReader, 'read'> }): void {
  const answers = (what: string, json: typeof toolListSchema | typeof agentListSchema) => ({
    200: { description: `The ${what} the live workers serve, with conflicts and MCP servers' state.`, json },
  });
  routes.route(
    { method: 'GET', path: '/v1/tools', operationId: 'listTools', summary: "The tools the task queue's live workers serve", tag: 'catalogue', auth: 'key', answers: answers('tools', toolListSchema) },
    async (c) => {
    const view = await deps.catalogue.read();
    const tools = [...view.tools.values()].map(({ definition, workers }) => ({ ...definition, workers: workers.length }));
    return c.json({ tools, ...health(view) });
    },
  );

  routes.route(
    { method: 'GET', path: '/v1/agents', operationId: 'listAgents', summary: "The agents the task queue's live workers serve", tag: 'catalogue', auth: 'key', answers: answers('agents', agentListSchema) },
    async (c) => {
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
    },
  );
}
