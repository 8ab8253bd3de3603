import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, ProgressNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import type { ServedTool } from '../tools/served-tool.js';
import { isHttpServer, type McpServerConfig } from './mcp-server-config.js';
import { serveMcpTool, type McpProgress, type McpSession } from './mcp-tools.js';

export const mcpServerStates = ['connecting', 'ready', 'retrying', 'closed'] as const;

/** What the catalogue and the worker's log say about one MCP server. */
export interface McpServerStatus {
  name: string;
  transport: 'http' | 'stdio';
  state: (typeof mcpServerStates)[number];
  tools: number;
  attempts: number;
  error?: string;
}

export interface McpConnectionOptions {
  registry: ToolRegistry;
  log: (line: string) => void;
  onStatus?: (status: McpServerStatus) => void;
  /** First delay between attempts, doubled up to `maxDelayMs` (defaults 1 s and 30 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Longest wait for the server to answer initialize and tools/list (default 10 s). */
  requestTimeoutMs?: number;
}

const version = '0.1.0';

/**
 * One configured MCP server: connects, lists its tools into the worker's
 * registry, and reconnects with backoff whenever the server is down or
 * answers something that is not MCP. Never throws at the worker: a server
 * that cannot be reached is reported in its status and retried.
 */
export class McpConnection {
  private client: Client | undefined;
  /** The attempt under way, closed by close() so a slow server's child process does not outlive the worker. */
  private connecting: Client | undefined;
  private readonly progress = new Map<string, (progress: McpProgress) => void>();
  private readonly session: McpSession = {
    client: () => this.connected(),
    onProgress: (token, listener) => {
      this.progress.set(token, listener);
      return () => this.progress.delete(token);
    },
  };
  private names = new Set<string>();
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private current: McpServerStatus;

  constructor(
    readonly server: McpServerConfig,
    private readonly options: McpConnectionOptions,
  ) {
    this.current = { name: server.name, transport: isHttpServer(server) ? 'http' : 'stdio', state: 'connecting', tools: 0, attempts: 0 };
  }

  get status(): McpServerStatus {
    return { ...this.current };
  }

  /** The first attempt; resolves once it succeeded or failed (then retries go on in the background). */
  async start(): Promise<void> {
    await this.attempt();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const clients = [this.client, this.connecting];
    this.client = undefined;
    await Promise.all(clients.map((client) => client?.close().catch(() => undefined)));
    this.setStatus({ state: 'closed' });
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    this.setStatus({ attempts: this.current.attempts + 1 });
    const client = new Client({ name: 'runstream', version });
    this.connecting = client;
    client.setNotificationHandler(ProgressNotificationSchema, ({ params }) => this.progress.get(String(params.progressToken))?.(params));
    // A server that writes something other than JSON-RPC (a stdio program logging to stdout) only shows up
    // here; the request itself just times out. Kept so the report says what the server answered.
    let garbled: string | undefined;
    client.onerror = (error) => {
      garbled ??= describe(error);
    };
    const timeout = this.options.requestTimeoutMs ?? 10_000;
    try {
      await client.connect(this.transport(), { timeout });
      const listed: ServedTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout });
        listed.push(...page.tools.map((tool) => serveMcpTool(this.server.name, tool, this.session)));
        cursor = page.nextCursor;
      } while (cursor);
      if (this.closed) {
        await client.close();
        return;
      }
      const previous = this.names;
      this.options.registry.replace((tool) => previous.has(tool.name), listed);
      this.names = new Set(listed.map((tool) => tool.name));
      this.client = client;
      // Set after connect so a failed first attempt does not schedule twice.
      client.onclose = () => this.lost(client);
      const { error: _previousError, ...rest } = this.current;
      this.current = { ...rest, state: 'ready', tools: listed.length };
      this.options.onStatus?.(this.status);
      this.options.log(`MCP server "${this.server.name}": ready, ${listed.length} tool${listed.length === 1 ? '' : 's'}`);
    } catch (error) {
      await client.close().catch(() => undefined);
      if (this.closed) return;
      const timedOut = error instanceof McpError && error.code === ErrorCode.RequestTimeout;
      const what = timedOut ? `no MCP answer within ${Math.round(timeout / 100) / 10} s` : describe(error);
      this.retryLater(timedOut && garbled ? `${what}; it answered something that is not MCP: ${garbled}` : what);
    } finally {
      if (this.connecting === client) this.connecting = undefined;
    }
  }

  private lost(client: Client): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.retryLater('the connection closed');
  }

  private retryLater(reason: string): void {
    if (this.closed) return;
    const initial = this.options.initialDelayMs ?? 1_000;
    const delay = Math.min(initial * 2 ** Math.max(0, this.current.attempts - 1), this.options.maxDelayMs ?? 30_000);
    this.setStatus({ state: 'retrying', error: reason });
    this.options.log(`MCP server "${this.server.name}": unavailable (${reason}); retrying in ${Math.round(delay / 100) / 10} s`);
    this.timer = setTimeout(() => void this.attempt(), delay);
    this.timer.unref();
  }

  /** The live client for a call; a call while the server is away is a tool error the model reads. */
  private connected(): Client {
    if (this.client) return this.client;
    throw new Error(`the MCP server "${this.server.name}" is unavailable${this.current.error ? ` (${this.current.error})` : ''}`);
  }

  private transport(): Transport {
    const server = this.server;
    if (isHttpServer(server)) {
      return new StreamableHTTPClientTransport(new URL(server.url), server.headers ? { requestInit: { headers: server.headers } } : {});
    }
    return new StdioClientTransport({
      command: server.command,
      args: server.args ?? [],
      env: { ...getDefaultEnvironment(), ...server.env },
      stderr: 'inherit',
    });
  }

  private setStatus(change: Partial<McpServerStatus>): void {
    this.current = { ...this.current, ...change };
    this.options.onStatus?.(this.status);
  }
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  const text = error instanceof Error ? `${error.message}${cause}` : String(error);
  return text.split('\n')[0]!.slice(0, 300);
}
