import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { ServedTool } from '../tools/served-tool.js';
import type { ToolContext } from '../tools/tool.js';
import { mcpToolName } from '../tools/tool-name.js';

type ListedTool = Awaited<ReturnType<Client['listTools']>>['tools'][number];
type CallResult = Awaited<ReturnType<Client['callTool']>>;

/** A tool call's result the server marked `isError`: the model reads its text as the error. */
export class McpToolError extends Error {
  override readonly name = 'McpToolError';
}

/** How long one call may take at most; the tool activity's own timeout usually ends it first. */
const callTimeoutMs = 10 * 60_000;

export interface McpProgress {
  progress: number;
  total?: number | undefined;
  message?: string | undefined;
}

/** What a served MCP tool needs of its server's connection. */
export interface McpSession {
  /** The live client; throws (a tool error the model reads) while the server is away. */
  client(): Client;
  /** Routes the server's progress notifications for `token` to `listener` until the returned function is called. */
  onProgress(token: string, listener: (progress: McpProgress) => void): () => void;
}

/**
 * One MCP tool as a worker serves it. Read-only or idempotent tools (by the
 * server's annotations) are retried after a crash; any other is at most once.
 * The server validates the arguments; the idempotency key travels in `_meta`.
 */
export function serveMcpTool(server: string, listed: ListedTool, session: McpSession): ServedTool {
  const idempotent = listed.annotations?.idempotentHint === true || listed.annotations?.readOnlyHint === true;
  const { $schema: _ignored, ...parameters } = listed.inputSchema as Record<string, unknown>;
  return {
    name: mcpToolName(server, listed.name),
    description: listed.description ?? listed.annotations?.title ?? listed.title ?? listed.name,
    source: 'mcp',
    parameters,
    retry: idempotent ? 'idempotent' : 'at-most-once',
    needsApproval: false,
    parse: (args) =>
      typeof args === 'object' && args !== null && !Array.isArray(args)
        ? { ok: true, value: args }
        : { ok: false, message: 'invalid arguments: expected a JSON object' },
    execute: async (args, context: ToolContext) => {
      const client = session.client();
      // Our own progress token rather than the SDK's onprogress: the SDK drops progress that arrives in the same
      // read as the result (its handler is removed before the queued notifications run), which stdio servers hit.
      const progressToken = randomUUID();
      const stop = session.onProgress(progressToken, ({ progress, total, message }) =>
        context.progress({ progress, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) }),
      );
      try {
        const result: CallResult = await client.callTool(
          { name: listed.name, arguments: args as Record<string, unknown>, _meta: { idempotencyKey: context.idempotencyKey, progressToken } },
          undefined,
          { signal: context.signal, timeout: callTimeoutMs },
        );
        if (result.isError) throw new McpToolError(contentText(result) || `the MCP tool ${listed.name} failed without a message`);
        return resultValue(result);
      } finally {
        stop();
      }
    },
  };
}

type Content = { type: string; text?: string };

const contentOf = (result: CallResult): Content[] => (Array.isArray(result.content) ? (result.content as Content[]) : []);

function contentText(result: CallResult): string {
  return contentOf(result)
    .filter((item) => item.type === 'text' && typeof item.text === 'string')
    .map((item) => item.text)
    .join('\n');
}

/** Structured content when the server gives it, else the text, else the content blocks as they are. */
function resultValue(result: CallResult): unknown {
  if (result.structuredContent !== undefined) return result.structuredContent;
  const content = contentOf(result);
  if (content.every((item) => item.type === 'text')) return contentText(result);
  return content;
}
