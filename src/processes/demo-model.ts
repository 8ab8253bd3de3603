import { startLlmServer, type LlmServer } from '../demo/llm-server.js';

/**
 * The demo model's server, started inside the worker on first use unless
 * RUNSTREAM_DEMO_URL points at one. It is a real HTTP server on a real port.
 */
export function lazyDemoServer(configuredURL: string | undefined): { baseURL: () => Promise<string>; close: () => Promise<void> } {
  let started: Promise<LlmServer> | undefined;
  return {
    baseURL: async () => {
      if (configuredURL) return `${configuredURL.replace(/\/$/, '')}/v1`;
      started ??= startLlmServer();
      return (await started).openaiBaseURL;
    },
    close: async () => {
      if (started) await (await started).close();
    },
  };
}
