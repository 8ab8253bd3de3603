import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * A real MCP server built with the SDK's own server classes: `search`
 * (read-only, reports progress, answers structured content and echoes the
 * `_meta` idempotency key it was sent) and `lookup` (always answers an MCP
 * error result). Served over Streamable HTTP by `startHttpMcpServer`, or over
 * stdio when this file is run as a program.
 */
export function createDocsServer(label: string): McpServer {
  const server = new McpServer({ name: `docs-${label}`, version: '1.0.0' });
  server.registerTool(
    'search',
    {
      description: `Searches the ${label} documentation.`,
      inputSchema: { query: z.string() },
      outputSchema: { query: z.string(), hits: z.array(z.string()), idempotencyKey: z.string().nullable(), server: z.string() },
      annotations: { readOnlyHint: true },
    },
    async ({ query }, extra) => {
      const progressToken = extra._meta?.progressToken;
      if (progressToken !== undefined) {
        for (const [progress, message] of [[1, 'index opened'], [2, 'ranked']] as const) {
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, total: 2, message } });
        }
      }
      const key = extra._meta?.idempotencyKey;
      const result = { query, hits: [`${query}: see chapter 4`], idempotencyKey: typeof key === 'string' ? key : null, server: label };
      return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
    },
  );
  server.registerTool(
    'lookup',
    { description: 'Looks a page up by its id.', inputSchema: { pageId: z.string() } },
    async ({ pageId }) => ({ isError: true, content: [{ type: 'text', text: `page ${pageId} does not exist` }] }),
  );
  return server;
}

export interface HttpMcpServer {
  url: string;
  close(): Promise<void>;
}

/** Stateless Streamable HTTP (no session id generator), as the SDK's examples serve it: one server and transport per request. */
export async function startHttpMcpServer(label: string, port = 0): Promise<HttpMcpServer> {
  const http: Server = createServer((request, response) => {
    const server = createDocsServer(label);
    const transport = new StreamableHTTPServerTransport({});
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(request, response))
      .catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500).end(String(error));
      });
  });
  await new Promise<void>((resolve) => http.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** Answers every request with a web page: a URL that is up but is not an MCP server. */
export async function startGarbageServer(): Promise<HttpMcpServer> {
  const http = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to nginx!</body></html>');
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await createDocsServer(process.argv[2] ?? 'stdio').connect(new StdioServerTransport());
}
