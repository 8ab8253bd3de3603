import { startLlmServer } from '../../src/demo/llm-server.js';
import type { ScriptInput } from '../../src/demo/script.js';
import type { Role } from './main.js';

/** The local model server (src/demo/llm-server.ts) in its own process, timing every chunk it writes. */
export async function start(): Promise<Role> {
  const llm = await startLlmServer({ recordTiming: true });
  let connections = 0;
  llm.server.on('connection', () => connections++);
  return {
    ready: { url: llm.url, openaiBaseURL: llm.openaiBaseURL },
    handlers: {
      script: ({ name, script }: { name: string; script: ScriptInput }) => {
        llm.registerScript(name, script);
        return true;
      },
      scripts: ({ names, script }: { names: string[]; script: ScriptInput }) => {
        for (const name of names) llm.registerScript(name, script);
        return true;
      },
      /** Per model name: when its (last) request arrived and when each chunk went out. */
      timings: ({ models }: { models: string[] }) => {
        const wanted = new Set(models);
        const found: Record<string, { receivedAt: number; chunkAt: number[] }> = {};
        for (const request of llm.requests) if (wanted.has(request.model) && request.timing) found[request.model] = request.timing;
        return found;
      },
      /** TCP connections accepted so far: steps that reuse connections do not add to it. */
      connections: () => connections,
      forget: () => {
        llm.requests.length = 0;
        return true;
      },
    },
  };
}
