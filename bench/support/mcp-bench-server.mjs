// An MCP server with N tools for the worker-start benchmark, built with the SDK's own classes:
// `node mcp-bench-server.mjs stdio <tools>` speaks stdio; `… http <tools>` listens on a free port and prints its URL.
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const [transport = 'stdio', count = '20'] = process.argv.slice(2);

function build() {
  const server = new McpServer({ name: 'bench', version: '1.0.0' });
  for (let index = 0; index < Number(count); index++) {
    server.registerTool(
      `tool${index}`,
      { description: `Bench tool ${index}.`, inputSchema: { query: z.string(), limit: z.number().int().optional() } },
      async ({ query }) => ({ content: [{ type: 'text', text: query }] }),
    );
  }
  return server;
}

if (transport === 'http') {
  const http = createServer((request, response) => {
    const server = build();
    const stateless = new StreamableHTTPServerTransport({});
    response.on('close', () => void stateless.close().then(() => server.close()));
    void server.connect(stateless).then(() => stateless.handleRequest(request, response));
  });
  http.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${http.address().port}/mcp`));
} else {
  await build().connect(new StdioServerTransport());
}
