import type { CatalogueAgent } from '../agents/agent.js';
import type { McpConnection } from '../mcp/mcp-connection.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { CatalogueDocument } from './catalogue-document.js';
import type { CataloguePublisher } from './catalogue-publisher.js';

/** What this worker serves right now, as the catalogue carries it. */
export function workerCatalogue(registry: ToolRegistry, agents: CatalogueAgent[], mcp: McpConnection[]): CatalogueDocument {
  return {
    tools: registry.list().map((tool) => ({
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters,
      source: tool.source,
      needsApproval: tool.needsApproval,
      retry: tool.retry,
      ...(tool.timeoutMs === undefined ? {} : { timeoutMs: tool.timeoutMs }),
      ...(tool.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: tool.approvalTimeoutMs }),
    })),
    agents: agents.map((agent) => ({ ...agent, ...(agent.budget ? { budget: { ...agent.budget } } : {}) })) as CatalogueDocument['agents'],
    mcpServers: mcp.map((connection) => connection.status),
  };
}

/**
 * Republishes whenever the tools or an MCP server's state change, coalescing
 * a burst of changes (a server listing its tools) into one write.
 */
export function followChanges(publisher: CataloguePublisher, current: () => CatalogueDocument): { changed(): void } {
  let pending = false;
  return {
    changed: () => {
      if (pending) return;
      pending = true;
      queueMicrotask(() => {
        pending = false;
        void publisher.publish(current()).catch(() => undefined);
      });
    },
  };
}
