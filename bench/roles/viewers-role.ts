import { request } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { WorkflowStreamClient } from '@temporalio/workflow-streams/client';
import { createParser } from 'eventsource-parser';
import { preciseNow } from '../../src/demo/llm-server.js';
import { OpenAIChatModel } from '../../src/providers/openai-chat.js';
import type { Role } from './main.js';

/**
 * Viewer clients, kept out of the servers' processes so what the servers
 * report is their own cost. Each viewer records, per token index, when the
 * token reached it (epoch ms, comparable with the model server's chunk
 * times), and whether it got every token exactly once and the run's end.
 */

interface Viewer {
  receivedAt: Float64Array;
  duplicates: number;
  ended: boolean;
  error?: string;
}

export interface WatchResult {
  /** viewers × tokens receipt times, NaN where a token never arrived. */
  receivedAt: Float64Array;
  viewers: number;
  /** Viewers that got every token once and the run's end. */
  complete: number;
  duplicates: number;
  errors: Record<string, number>;
}

const newViewer = (tokens: number): Viewer => ({ receivedAt: new Float64Array(tokens).fill(Number.NaN), duplicates: 0, ended: false });

function record(viewer: Viewer, index: number, at: number): void {
  if (index < 0 || index >= viewer.receivedAt.length) return;
  if (Number.isNaN(viewer.receivedAt[index]!)) viewer.receivedAt[index] = at;
  else viewer.duplicates++;
}

function summarize(viewers: Viewer[], tokens: number): WatchResult {
  const receivedAt = new Float64Array(viewers.length * tokens);
  const errors: Record<string, number> = {};
  let complete = 0;
  let duplicates = 0;
  viewers.forEach((viewer, index) => {
    receivedAt.set(viewer.receivedAt, index * tokens);
    duplicates += viewer.duplicates;
    if (viewer.ended && viewer.duplicates === 0 && !viewer.receivedAt.some(Number.isNaN)) complete++;
    if (viewer.error) errors[viewer.error] = (errors[viewer.error] ?? 0) + 1;
  });
  return { receivedAt, viewers: viewers.length, complete, duplicates, errors };
}

const terminal = new Set(['run.completed', 'run.failed', 'run.cancelled']);
const offsetPattern = /"offset":(\d+)/;

/** One SSE viewer of a runstream run; resolves `opened` on the response headers and finishes at the run's end. */
function sseViewer(url: string, apiKey: string, chunkSize: number, viewer: Viewer, opened: () => void): Promise<void> {
  return new Promise((resolve) => {
    const fail = (message: string) => {
      viewer.error ??= message;
      opened();
      resolve();
    };
    const req = request(url, { headers: { authorization: `Bearer ${apiKey}` }, agent: false }, (response) => {
      if (response.statusCode !== 200) return fail(`HTTP ${response.statusCode}`);
      opened();
      const parser = createParser({
        onEvent: (event) => {
          const at = preciseNow();
          if (event.event === 'text.delta') record(viewer, Number(offsetPattern.exec(event.data)?.[1]) / chunkSize, at);
          else if (event.event && terminal.has(event.event)) viewer.ended = true;
          else if (event.event === 'snapshot') viewer.error ??= 'got a snapshot instead of the events';
        },
      });
      response.setEncoding('utf8');
      response.on('data', (text: string) => parser.feed(text));
      response.on('end', resolve);
      response.on('error', (error) => fail(error.message));
    });
    req.on('error', (error) => fail(error.message));
    req.end();
  });
}

const temporalClients = new Map<string, Promise<Client>>();
function temporalClient(address: string): Promise<Client> {
  let client = temporalClients.get(address);
  if (!client) {
    client = Connection.connect({ address }).then((connection) => new Client({ connection }));
    temporalClients.set(address, client);
  }
  return client;
}

/** One subscriber of a Workflow Streams workflow, as Temporal's sample subscribes (delta and complete topics). */
async function peerViewer(client: Client, workflowId: string, pollCooldownMs: number, viewer: Viewer): Promise<void> {
  const stream = WorkflowStreamClient.create(client, workflowId);
  try {
    for await (const item of stream.subscribe(['delta', 'complete'], 0, { pollCooldown: pollCooldownMs })) {
      const at = preciseNow();
      if (item.topic === 'complete') {
        viewer.ended = true;
        break;
      }
      record(viewer, defaultPayloadConverter.fromPayload<{ i: number }>(item.data).i, at);
    }
  } catch (error) {
    viewer.error = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 160);
  }
}

const watches = new Map<number, { viewers: Viewer[]; tokens: number; done: Promise<unknown> }>();
let nextWatch = 1;

async function settle(watch: { viewers: Viewer[]; tokens: number; done: Promise<unknown> }, timeoutMs: number): Promise<WatchResult> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([watch.done, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  for (const viewer of watch.viewers) if (!viewer.ended) viewer.error ??= `not finished ${timeoutMs / 1000} s after the run`;
  return summarize(watch.viewers, watch.tokens);
}

export async function start(): Promise<Role> {
  return {
    ready: {},
    handlers: {
      /** Opens `count` SSE viewers of a run; answers once all have their response headers. */
      'sse.attach': async (params: { url: string; apiKey: string; runId: string; count: number; tokens: number; chunkSize: number }) => {
        const viewers = Array.from({ length: params.count }, () => newViewer(params.tokens));
        const started = preciseNow();
        let open = 0;
        let allOpen!: () => void;
        const attached = new Promise<void>((resolve) => (allOpen = resolve));
        const onOpen = () => ++open === params.count && allOpen();
        const done = Promise.all(
          viewers.map((viewer) => sseViewer(`${params.url}/v1/runs/${params.runId}/events`, params.apiKey, params.chunkSize, viewer, onOpen)),
        );
        await attached;
        const id = nextWatch++;
        watches.set(id, { viewers, tokens: params.tokens, done });
        return { watch: id, attachMs: preciseNow() - started };
      },
      /** Starts `count` Workflow Streams subscribers of a workflow (a long-poll has no "attached" moment to wait for). */
      'peer.attach': async (params: { address: string; workflowId: string; count: number; tokens: number; pollCooldownMs: number }) => {
        const client = await temporalClient(params.address);
        const viewers = Array.from({ length: params.count }, () => newViewer(params.tokens));
        const done = Promise.all(viewers.map((viewer) => peerViewer(client, params.workflowId, params.pollCooldownMs, viewer)));
        const id = nextWatch++;
        watches.set(id, { viewers, tokens: params.tokens, done });
        return { watch: id, attachMs: 0 };
      },
      'watch.result': async ({ watch, timeoutMs }: { watch: number; timeoutMs: number }) => {
        const found = watches.get(watch);
        if (!found) throw new Error(`no watch ${watch}`);
        watches.delete(watch);
        return settle(found, timeoutMs);
      },
      /** What a runstream user does: POST /v1/runs, then follow its events. */
      'sse.enqueue': async (params: { url: string; apiKey: string; body: unknown; tokens: number; chunkSize: number }) => {
        const enqueueAt = preciseNow();
        const response = await fetch(`${params.url}/v1/runs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${params.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(params.body),
        });
        if (response.status !== 201) throw new Error(`POST /v1/runs answered ${response.status}: ${await response.text()}`);
        const { id } = (await response.json()) as { id: string };
        const answeredAt = preciseNow();
        const viewer = newViewer(params.tokens);
        await sseViewer(`${params.url}/v1/runs/${id}/events`, params.apiKey, params.chunkSize, viewer, () => undefined);
        return { runId: id, enqueueAt, answeredAt, result: summarize([viewer], params.tokens) };
      },
      /** What Temporal's sample does: start the workflow, then subscribe to its stream. */
      'peer.enqueue': async (params: {
        address: string;
        taskQueue: string;
        workflowId: string;
        input: unknown;
        tokens: number;
        pollCooldownMs: number;
      }) => {
        const client = await temporalClient(params.address);
        const enqueueAt = preciseNow();
        await client.workflow.start('peerStreaming', { taskQueue: params.taskQueue, workflowId: params.workflowId, args: [params.input] });
        const answeredAt = preciseNow();
        const viewer = newViewer(params.tokens);
        await peerViewer(client, params.workflowId, params.pollCooldownMs, viewer);
        return { runId: params.workflowId, enqueueAt, answeredAt, result: summarize([viewer], params.tokens) };
      },
      /** The floor: the provider's stream read directly, no durability, no relay. */
      'floor.stream': async (params: { baseURL: string; model: string; tokens: number }) => {
        const model = new OpenAIChatModel({ modelId: params.model, baseURL: params.baseURL, apiKey: 'bench' });
        const viewer = newViewer(params.tokens);
        const enqueueAt = preciseNow();
        let index = 0;
        for await (const event of model.stream({ messages: [{ role: 'user', content: 'go' }], tools: [] }, {})) {
          if (event.type === 'text-delta' && event.text) record(viewer, index++, preciseNow());
          if (event.type === 'finish') viewer.ended = true;
        }
        return { runId: params.model, enqueueAt, answeredAt: enqueueAt, result: summarize([viewer], params.tokens) };
      },
    },
  };
}
