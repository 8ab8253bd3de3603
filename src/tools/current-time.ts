import { z } from 'zod';
import { defineTool } from './tool.js';

export const currentTimeTool = defineTool({
  name: 'current_time',
  description: 'Returns the current date and time, in UTC or in an IANA time zone such as "Europe/Paris".',
  parameters: z.object({ timeZone: z.string().max(64).optional().describe('IANA time zone, default UTC') }),
  retry: 'idempotent',
  execute: async ({ timeZone }) => {
    const zone = timeZone ?? 'UTC';
    const now = new Date();
    let local: string;
    try {
      local = now.toLocaleString('en-US', { timeZone: zone, dateStyle: 'full', timeStyle: 'long' });
    } catch {
      throw new Error(`unknown time zone "${zone}"`);
    }
    return { iso: now.toISOString(), timeZone: zone, local };
  },
});
