import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSchemathesis } from '../../src/services/binaries.js';
import { countWorkflowsOnQueue, startTestStack, testApiKey, type TestStack } from '../support/test-stack.js';

/**
 * Schemathesis drives the real API (worker, Temporal, Redis) from its own
 * /openapi.json, positive and negative cases, one worker, a bounded number of
 * cases per route: no 5xx, no answer the document does not list, no hang (a
 * request timeout), and no workflow that an accepted answer does not name (a
 * rejected request starts nothing). A small proxy in front of the API records
 * every answer so the test can count cases and check the workflows.
 */

interface Exchange {
  method: string;
  path: string;
  status: number;
  /** Ids named by a 2xx JSON answer: the runs and threads it started or returned. */
  ids: string[];
}

/** A pass-through proxy that records each exchange (JSON answers read whole, streams piped). */
function recordingProxy(target: string, exchanges: Exchange[]): Promise<Server> {
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        const exchange: Exchange = { method: incoming.method ?? '', path: (incoming.url ?? '').split('?')[0]!, status: answer.statusCode ?? 0, ids: [] };
        exchanges.push(exchange);
        const json = String(answer.headers['content-type'] ?? '').startsWith('application/json');
        // A live run's or thread's stream stays open by design: hand Schemathesis what came in a moment, then end it.
        if (String(answer.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          setTimeout(() => {
            answer.destroy();
            outgoing.end();
          }, 1_500).unref();
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => {
          if (json) chunks.push(chunk);
          outgoing.write(chunk);
        });
        answer.on('close', () => outgoing.end());
        answer.on('end', () => {
          outgoing.end();
          if (!json || exchange.status >= 300) return;
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
            for (const key of ['id', 'runId', 'threadId']) if (typeof body[key] === 'string') exchange.ids.push(body[key]);
          } catch {
            // Not ours to judge here: Schemathesis checks the body against the document.
          }
        });
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('fuzzed from its own OpenAPI document (Schemathesis)', () => {
  let stack: TestStack;
  let proxy: Server;
  const exchanges: Exchange[] = [];
  const st = findSchemathesis();

  beforeAll(async () => {
    // `npm test` installs it first (runstream setup --fuzz); run alone, say how.
    if (!st) throw new Error('Schemathesis is missing: run `npx runstream setup --fuzz` (or set SCHEMATHESIS to its st binary)');
    stack = await startTestStack('fuzz');
    proxy = await recordingProxy(stack.api.url, exchanges);
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await stack?.stop();
  });

  it('answers every generated request as documented, never 5xx, and starts nothing it refused', { timeout: 600_000 }, async () => {
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const args = [
      '--config-file',
      'test/fuzz/schemathesis.toml',
      'run',
      `${url}/openapi.json`,
      '--url',
      url,
      '--header',
      `Authorization: Bearer ${testApiKey}`,
      '--workers',
      '1',
      '--max-examples',
      process.env.RUNSTREAM_FUZZ_EXAMPLES ?? '10',
      '--phases',
      'examples,coverage,fuzzing',
      '--seed',
      process.env.RUNSTREAM_FUZZ_SEED ?? '7',
      '--request-timeout',
      '20',
      '--checks',
      [
        'not_a_server_error',
        'status_code_conformance',
        'content_type_conformance',
        'response_headers_conformance',
        'response_schema_conformance',
        'negative_data_rejection',
        'unsupported_method',
        'allow_header_conformance',
        'missing_required_header',
        'ignored_auth',
      ].join(','),
      // The metrics and pages are text; the events streams of real runs are followed by the openapi test, not here.
      '--exclude-path-regex',
      '^/metrics$',
      '--no-shrink',
    ];
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(st!, args, { env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_HOOKS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.on('close', resolve);
    });
    const text = output.join('');
    // The whole report, for whoever reads a failure: .runstream/fuzz-report.txt.
    mkdirSync('.runstream', { recursive: true });
    writeFileSync('.runstream/fuzz-report.txt', text);
    console.log(`fuzz: ${exchanges.length} requests; ${text.split('\n').filter((line) => /passed|failed|error|cases|Test cases/i.test(line)).slice(-6).join(' | ')}`);
    expect(code, text.slice(-6000)).toBe(0);
    expect(exchanges.filter((exchange) => exchange.status >= 500)).toEqual([]);

    // Every workflow on this stack's queue was named by an accepted answer.
    const accepted = new Set(exchanges.flatMap((exchange) => exchange.ids));
    const started: string[] = [];
    for await (const execution of stack.temporal.workflow.list({ query: `TaskQueue = '${stack.env.RUNSTREAM_TASK_QUEUE}'` })) started.push(execution.workflowId);
    expect(started.filter((id) => !accepted.has(id))).toEqual([]);
    expect(started.length).toBe(await countWorkflowsOnQueue(stack));
  });
});
