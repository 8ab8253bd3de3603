import { defineAgent, defineConfig, defineTool } from 'runstream/worker';
import { z } from 'zod';

// A typed tool: the model's arguments are checked against `parameters` before `execute` runs.
const lookupOrder = defineTool({
  name: 'lookup_order',
  description: 'Finds an order by its number and tells where it is.',
  parameters: z.object({ orderId: z.string().regex(/^\d+$/, 'an order number is digits only') }),
  retry: 'idempotent', // safe to run again if a worker dies mid-call
  timeoutMs: 30_000,
  execute: async ({ orderId }, ctx) => {
    ctx.progress({ stage: 'searching', orderId }); // reaches every viewer as tool.progress
    await new Promise((resolve) => setTimeout(resolve, 200));
    ctx.progress({ stage: 'found', orderId });
    return { orderId, status: 'shipped', carrier: 'DHL', eta: '2 days' };
  },
});

export default defineConfig({
  tools: [lookupOrder],
  // Its tool "search" is served as faq_search.
  mcpServers: [{ name: 'faq', command: 'node', args: ['faq-server.mjs'] }],
  agents: [
    defineAgent({
      name: 'support',
      description: 'Answers customers about their orders and our policies.',
      instructions: 'You are a friendly support agent. Look orders up before answering; quote the FAQ for policies.',
      tools: ['lookup_order', 'faq_search'],
      maxSteps: 5,
      modelSettings: { temperature: 0.2 },
    }),
  ],
});
