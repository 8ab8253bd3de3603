import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { anthropicProtocol } from './anthropic-wire.js';
import { chatCompletionsProtocol } from './chat-completions-wire.js';
import { demoTurn } from './demo-turn.js';
import { responsesProtocol } from './responses-wire.js';
import { readBody, sendJson } from './http-json.js';
import { failsInStream, failureHeaders, fillTextFor, scriptSchema, type Script, type ScriptedFailure, type ScriptedTurn, type ScriptInput } from './script.js';
import { encodeSseFrame as frame, type WireChunk, type WireProtocol } from './wire-protocol.js';

/**
 * A real HTTP server that speaks the providers' streaming wire formats —
 * Chat Completions, Responses and Anthropic Messages, one module each. It is
 * the `demo` model of `runstream dev` and the LLM stand-in of the tests:
 * model `demo` answers from the prompt; any other model name plays the script
 * registered under that name with `PUT /__scripts/<name>`.
 */

export interface LlmServer {
  url: string;
  /** Base URL for OpenAI-compatible clients (`…/v1`). */
  openaiBaseURL: string;
  server: Server;
  /** Parses the script as the HTTP route does, so defaults (e.g. a failure's `afterChunks`) apply. */
  registerScript(name: string, script: ScriptInput): void;
  /** Every model request served so far, oldest first. */
  readonly requests: ServedRequest[];
  close(): Promise<void>;
}

export interface ServedRequest {
  protocol: WireProtocol['name'];
  model: string;
  turnIndex: number;
  prefill: string;
  completed: boolean;
  /** The scripted failure this request consumed, if any: its status or in-stream kind. */
  failure?: string;
  /** The client closed the stream before its end (a cancelled or killed step). */
  aborted?: boolean;
  /** Structured output as requested on the wire: Chat `response_format`, Responses `text.format`. */
  responseFormat?: unknown;
  /** Anthropic's system prompt, where structured output is asked for in words. */
  system?: string | undefined;
  /** With `recordTiming`: when the request arrived and when each chunk was written (epoch ms, sub-ms precision). */
  timing?: { receivedAt: number; chunkAt: number[] };
  /** Sampling fields as received, under the protocol's own names (`temperature`, `max_tokens`, `stop_sequences`…). */
  sampling: Record<string, unknown>;
  /** Chat Completions: the messages before the last user message, as `role: text`. */
  earlier?: string[];
}

export interface LlmServerOptions {
  port?: number;
  host?: string;
  /** Record arrival and per-chunk write times in each served request (benchmarks measure relay latency from them). */
  recordTiming?: boolean;
}

/** Wall-clock milliseconds with the monotonic clock's precision, comparable across processes of one machine. */
export const preciseNow = () => performance.timeOrigin + performance.now();

/** Every protocol's sampling field names, so tests see exactly what went over the wire. */
const samplingFields = ['temperature', 'top_p', 'max_tokens', 'max_completion_tokens', 'max_output_tokens', 'stop', 'stop_sequences', 'seed'];
const samplingOf = (body: unknown): Record<string, unknown> =>
  typeof body === 'object' && body !== null
    ? Object.fromEntries(Object.entries(body).filter(([name]) => samplingFields.includes(name)))
    : {};

const protocols: WireProtocol[] = [chatCompletionsProtocol, responsesProtocol, anthropicProtocol];

export async function startLlmServer(options: LlmServerOptions = {}): Promise<LlmServer> {
  const scripts = new Map<string, Script>();
  const requests: ServedRequest[] = [];

  const failureFor = (model: string): ScriptedFailure | undefined => scripts.get(model)?.failures.shift();
  const turnFor = (model: string, view: Parameters<typeof demoTurn>[0], turnIndex: number): ScriptedTurn | undefined => {
    if (model === 'demo') return demoTurn(view);
    const script = scripts.get(model);
    if (!script) return undefined;
    const turns = script.replies?.[view.lastUser] ?? script.turns;
    const turn = turns[Math.min(turnIndex, turns.length - 1)];
    return turn?.fillText ? { ...turn, text: fillTextFor(turnIndex, turn.fillText) } : turn;
  };

  const stream = async (
    request: IncomingMessage,
    response: ServerResponse,
    chunks: WireChunk[],
    protocol: WireProtocol,
    failure: ScriptedFailure | undefined,
    onAbort: () => void,
    chunkAt: number[] | undefined,
  ) => {
    let closed = false;
    request.on('close', () => {
      closed = true;
    });
    // The request's own 'close' fires once its body was read; a client hanging up shows on the response.
    response.on('close', () => {
      if (!response.writableFinished) closed = true;
    });
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.flushHeaders();
    let sent = 0;
    for (const chunk of chunks) {
      if (chunk.delayMs) await sleep(chunk.delayMs);
      if (closed) {
        onAbort();
        return false;
      }
      if (failure?.cutAfterChunks !== undefined && sent >= failure.cutAfterChunks) {
        response.destroy();
        return false;
      }
      if (failure && sent === failure.afterChunks) {
        if (failure.streamError !== undefined) {
          response.end(protocol.streamError(failure.streamError, failure.message).map(frame).join(''));
          return false;
        }
        if (failure.rawChunk !== undefined) response.write(frame({ data: failure.rawChunk, delayMs: 0 }));
        if (failure.stallMs !== undefined) {
          await sleep(failure.stallMs);
          if (closed) {
            onAbort();
            return false;
          }
        }
      }
      response.write(frame(chunk));
      chunkAt?.push(preciseNow());
      sent++;
    }
    response.end();
    return true;
  };

  const handle = async (protocol: WireProtocol, request: IncomingMessage, response: ServerResponse) => {
    const receivedAt = preciseNow();
    const key = protocol.apiKey(request.headers);
    if (!key) return sendJson(response, 401, protocol.errorBody(401, 'You did not provide an API key.'));
    // Echoes the key whole, as a careless proxy might: runstream must keep it out of its messages.
    if (key.startsWith('invalid')) return sendJson(response, 401, protocol.errorBody(401, `Incorrect API key provided: ${key}.`, 'invalid_api_key'));
    let json: unknown;
    try {
      json = JSON.parse(await readBody(request));
    } catch {
      return sendJson(response, 400, protocol.errorBody(400, 'We could not parse the JSON body of your request.'));
    }
    const parsed = protocol.parseRequest(json);
    if (!parsed.ok) return sendJson(response, 400, protocol.errorBody(400, parsed.message));
    const conversation = parsed.value;
    const { model } = conversation;
    const served: ServedRequest = {
      protocol: protocol.name,
      model,
      turnIndex: conversation.turnIndex,
      prefill: conversation.prefill,
      completed: false,
      sampling: samplingOf(json),
      ...(conversation.view.earlier ? { earlier: conversation.view.earlier } : {}),
      responseFormat: conversation.responseFormat,
      system: conversation.system,
      ...(options.recordTiming ? { timing: { receivedAt, chunkAt: [] } } : {}),
    };
    const failure = failureFor(model);
    if (failure) served.failure = failure.streamError ?? (failsInStream(failure) ? 'in-stream' : String(failure.status));
    if (failure && !failsInStream(failure)) {
      requests.push(served);
      return sendJson(response, failure.status, protocol.errorBody(failure.status, failure.message, failure.code), failureHeaders(failure));
    }
    const turn = turnFor(model, conversation.view, conversation.turnIndex);
    if (!turn) return sendJson(response, 404, protocol.errorBody(404, `The model \`${model}\` does not exist.`, 'model_not_found'));
    const missing = turn.expectEarlier?.find((text) => !(conversation.view.earlier ?? []).some((earlier) => earlier.includes(text)));
    if (missing !== undefined) {
      served.failure = 'expectation';
      requests.push(served);
      return sendJson(response, 400, protocol.errorBody(400, `the conversation before the last user message does not contain ${JSON.stringify(missing)}`));
    }
    const unseen = turn.expectToolResults?.find((text) => !conversation.view.toolResults.some((result) => result.content.includes(text)));
    if (unseen !== undefined) {
      served.failure = 'expectation';
      requests.push(served);
      return sendJson(response, 400, protocol.errorBody(400, `no tool result since the last user message contains ${JSON.stringify(unseen)}`));
    }
    requests.push(served);
    const chunks = protocol.encodeTurn(turn, {
      model,
      turnIndex: conversation.turnIndex,
      skipText: conversation.prefill.length,
      inputCharacters: conversation.inputCharacters,
    });
    served.completed = await stream(
      request,
      response,
      chunks,
      protocol,
      failure,
      () => {
        served.aborted = true;
      },
      served.timing?.chunkAt,
    );
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = async () => {
      const protocol = protocols.find((candidate) => candidate.path === url.pathname);
      if (request.method === 'POST' && protocol) return handle(protocol, request, response);
      const scriptName = url.pathname.match(/^\/__scripts\/([^/]+)$/)?.[1];
      if (request.method === 'PUT' && scriptName) {
        const script = scriptSchema.safeParse(JSON.parse(await readBody(request)));
        if (!script.success) return sendJson(response, 400, { error: script.error.issues });
        scripts.set(decodeURIComponent(scriptName), script.data);
        return sendJson(response, 200, { ok: true });
      }
      if (request.method === 'GET' && url.pathname === '/__requests') return sendJson(response, 200, requests);
      if (request.method === 'GET' && url.pathname === '/health') return sendJson(response, 200, { ok: true });
      return sendJson(response, 404, chatCompletionsProtocol.errorBody(404, `Unknown route ${request.method} ${url.pathname}`));
    };
    route().catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, chatCompletionsProtocol.errorBody(500, String(error)));
      else response.destroy();
    });
  });
  // Streams may pause for long stretches in tests; never cut them server-side.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    openaiBaseURL: `${url}/v1`,
    server,
    requests,
    registerScript: (name, script) => scripts.set(name, scriptSchema.parse(script)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
