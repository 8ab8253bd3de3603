import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeChatTurn, parseChatRequest, readChatConversation, type WireChunk } from './chat-completions-wire.js';
import { demoTurn } from './demo-turn.js';
import { scriptSchema, type Script, type ScriptedFailure, type ScriptedTurn } from './script.js';

/**
 * A real HTTP server that speaks the providers' streaming wire formats. It is
 * the `demo` model of `runstream dev` and the LLM stand-in of the tests:
 * model `demo` answers from the prompt; any other model name plays the script
 * registered under that name with `PUT /__scripts/<name>`.
 */

export interface LlmServer {
  url: string;
  /** Base URL for OpenAI-compatible clients (`…/v1`). */
  openaiBaseURL: string;
  server: Server;
  registerScript(name: string, script: Script): void;
  /** Every model request served so far, oldest first. */
  readonly requests: ServedRequest[];
  close(): Promise<void>;
}

export interface ServedRequest {
  protocol: 'chat';
  model: string;
  turnIndex: number;
  prefill: string;
  completed: boolean;
  /** The client closed the stream before its end (a cancelled or killed step). */
  aborted?: boolean;
}

const readBody = async (request: IncomingMessage, limit = 8 * 1024 * 1024): Promise<string> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
};

const sendJson = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
};

const openAIError = (message: string, type: string, code: string | null = null) => ({ error: { message, type, code, param: null } });

export async function startLlmServer(options: { port?: number; host?: string } = {}): Promise<LlmServer> {
  const scripts = new Map<string, Script>();
  const requests: ServedRequest[] = [];

  const failureFor = (model: string): ScriptedFailure | undefined => scripts.get(model)?.failures.shift();
  const turnFor = (model: string, view: Parameters<typeof demoTurn>[0], turnIndex: number): ScriptedTurn | undefined => {
    if (model === 'demo') return demoTurn(view);
    const script = scripts.get(model);
    if (!script) return undefined;
    return script.turns[Math.min(turnIndex, script.turns.length - 1)];
  };

  const stream = async (request: IncomingMessage, response: ServerResponse, chunks: WireChunk[], cutAfter?: number, onAbort?: () => void) => {
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
        onAbort?.();
        return false;
      }
      if (cutAfter !== undefined && sent >= cutAfter) {
        response.destroy();
        return false;
      }
      response.write(`data: ${chunk.data}\n\n`);
      sent++;
    }
    response.end();
    return true;
  };

  const handleChat = async (request: IncomingMessage, response: ServerResponse) => {
    if (!request.headers.authorization) {
      return sendJson(response, 401, openAIError('You did not provide an API key.', 'invalid_request_error'));
    }
    if (request.headers.authorization === 'Bearer invalid-key') {
      return sendJson(response, 401, openAIError('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
    }
    let json: unknown;
    try {
      json = JSON.parse(await readBody(request));
    } catch {
      return sendJson(response, 400, openAIError('We could not parse the JSON body of your request.', 'invalid_request_error'));
    }
    const parsed = parseChatRequest(json);
    if (!parsed.ok) return sendJson(response, 400, openAIError(parsed.message, 'invalid_request_error'));
    const { model } = parsed.value;
    const conversation = readChatConversation(parsed.value);
    const failure = failureFor(model);
    if (failure && failure.cutAfterChunks === undefined) {
      const headers: Record<string, string> =
        failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
      return sendJson(response, failure.status, openAIError(failure.message, 'server_error'), headers);
    }
    const turn = turnFor(model, conversation.view, conversation.turnIndex);
    if (!turn) {
      return sendJson(response, 404, openAIError(`The model \`${model}\` does not exist.`, 'invalid_request_error', 'model_not_found'));
    }
    const served: ServedRequest = { protocol: 'chat', model, turnIndex: conversation.turnIndex, prefill: conversation.prefill, completed: false };
    requests.push(served);
    const chunks = encodeChatTurn(turn, {
      model,
      turnIndex: conversation.turnIndex,
      skipText: conversation.prefill.length,
      inputCharacters: conversation.inputCharacters,
    });
    served.completed = await stream(request, response, chunks, failure?.cutAfterChunks, () => {
      served.aborted = true;
    });
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = async () => {
      if (request.method === 'POST' && url.pathname === '/v1/chat/completions') return handleChat(request, response);
      const scriptName = url.pathname.match(/^\/__scripts\/([^/]+)$/)?.[1];
      if (request.method === 'PUT' && scriptName) {
        const script = scriptSchema.safeParse(JSON.parse(await readBody(request)));
        if (!script.success) return sendJson(response, 400, { error: script.error.issues });
        scripts.set(decodeURIComponent(scriptName), script.data);
        return sendJson(response, 200, { ok: true });
      }
      if (request.method === 'GET' && url.pathname === '/__requests') return sendJson(response, 200, requests);
      if (request.method === 'GET' && url.pathname === '/health') return sendJson(response, 200, { ok: true });
      return sendJson(response, 404, openAIError(`Unknown route ${request.method} ${url.pathname}`, 'invalid_request_error'));
    };
    route().catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, openAIError(String(error), 'server_error'));
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
    registerScript: (name, script) => scripts.set(name, script),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
