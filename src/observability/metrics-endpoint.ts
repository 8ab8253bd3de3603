import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { registry } from './metrics.js';
import { temporalMetricsText } from './temporal-metrics.js';

export const metricsContentType = registry.contentType;

/** Prometheus text: runstream's metrics, then the Temporal runtime's when this process runs a worker. */
export async function metricsText(): Promise<string> {
  const [own, temporal] = await Promise.all([registry.metrics(), temporalMetricsText()]);
  return temporal ? `${own}\n${temporal}` : own;
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** `GET /metrics` on its own port, for processes without an HTTP API (the worker). */
export async function serveMetrics(options: { port: number; host?: string | undefined }): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: scrape GET /metrics\n');
      return;
    }
    metricsText().then(
      (text) => response.writeHead(200, { 'content-type': metricsContentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(error)}\n`),
    );
  });
  server.listen(options.port, options.host ?? '0.0.0.0');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
