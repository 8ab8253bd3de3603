// A tiny MCP server over stdio, started by the worker (see mcpServers in runstream.config.ts).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const faq = {
  refund: 'Refunds are paid within 14 days of the return reaching us.',
  shipping: 'Orders ship within one working day; DHL delivers in 2 to 3 days.',
};

const server = new McpServer({ name: 'faq', version: '1.0.0' });
server.registerTool(
  'search',
  { description: 'Searches the FAQ.', inputSchema: { query: z.string() }, annotations: { readOnlyHint: true } },
  async ({ query }) => {
    const hits = Object.entries(faq).filter(([topic]) => query.toLowerCase().includes(topic));
    const text = hits.length ? hits.map(([, answer]) => answer).join('\n') : 'Nothing in the FAQ about that.';
    return { content: [{ type: 'text', text }] };
  },
);
await server.connect(new StdioServerTransport());
