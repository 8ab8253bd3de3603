import { parseArgs } from 'node:util';
import { createClient, RunstreamApiError } from '../client/index.js';
import { ConfigError, readEnv, requireServers } from '../config.js';
import { parseModelName } from '../models.js';
import { MissingBinaryError, ensureBinaries } from '../services/setup.js';
import { isStreamId } from '../protocol/stream-id.js';
import { isThreadId } from '../../workflows/thread-ids.js';
import { CliError } from './cli-error.js';
import { clientConfig } from './client-config.js';
import { exitCodeFor, followRunInTerminal } from './follow.js';
import { modelSettingsFromFlags, modelSettingsOptions } from './model-settings-flags.js';
import { budgetFromFlags, budgetOptions } from './budget-flags.js';
import { readOutputSchemaFile } from './output-schema-file.js';
import type { LoadedConfig } from '../worker/load-config.js';

// The processes (Temporal worker, API server, MCP clients) load only for the
// commands that start them, so `run`, `watch` and `--help` start in a blink.
const processes = {
  logging: () => import('../observability/logger.js'),
  api: () => import('../processes/api-process.js'),
  dev: () => import('../processes/dev.js'),
  worker: () => import('../processes/worker-process.js'),
  config: () => import('../worker/load-config.js'),
  /** OpenTelemetry for this process when the OTEL_EXPORTER_OTLP_* variables ask for it; nothing of it is loaded otherwise. */
  tracingFor: async (serviceName: string) => {
    const { startTracing, tracingRequested } = await import('../observability/tracing.js');
    return tracingRequested() ? startTracing({ serviceName }) : undefined;
  },
};

const usage = `runstream — durable, streaming AI-agent runs

  runstream dev [--no-demo] [--insecure] [--config F]
                                               Temporal + Redis + worker + API on this machine
  runstream worker [--config F] [--metrics-port N]
                                               a Temporal worker for the task queue, serving the
                                               tools, agents and MCP servers of runstream.config.ts
                                               (--metrics-port: GET /metrics there)
  runstream api [--port N] [--host H] [--insecure]
                                               the HTTP API and the viewer page (--insecure: no
                                               API key, bound to 127.0.0.1 only)
  runstream run "<prompt>" [--agent A] [--model M] [--tools a,b] [--max-steps N] [--output-schema file.json] [--follow]
                [--temperature T] [--top-p P] [--max-output-tokens N] [--stop S]... [--seed N]
                [--budget-max-total-tokens N] [--budget-max-output-tokens N]
                [--budget-max-tool-calls N] [--budget-max-duration-ms N]
                                               (--budget-*: limits the run stops at, failing with
                                               BudgetExceededError; resume can raise them)
                                               (--output-schema: the answer must be JSON fitting this
                                               JSON Schema; with --follow, stdout gets only that JSON)
  runstream chat [--agent A] [--model M] [--tools a,b] [--thread thr_…]
                                               a conversation over a thread: a turn per line, answers
                                               on stdout, Ctrl-C cancels the answer, not the thread
                [--require-approval a,b|all]   (tool calls that wait for a person; on a terminal,
                                               --follow asks "approve calculator({…})? [y/N]")
  runstream watch <runId> [--after <eventId>]  follow a run's events live
  runstream approve <runId> <callId> [--deny] [--reason "…"]
                                               decide a tool call that waits for approval
  runstream cancel <runId>                     cancel a run; its partial text is kept
  runstream resume <runId> [--budget-max-… N] continue a failed or terminated run (--budget-*: limits
                                               that replace the run's, e.g. a larger one for the limit
                                               it reached; what it used stays counted)
  runstream setup [--browser] [--fuzz]         install the Temporal CLI and redis-server if missing
                                               (--browser: Chromium too, --fuzz: Schemathesis, for the test suite)

Environment: RUNSTREAM_CONFIG, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, RUNSTREAM_TASK_QUEUE, REDIS_URL,
RUNSTREAM_API_URL, RUNSTREAM_API_KEY, RUNSTREAM_API_KEYS, RUNSTREAM_PORT, RUNSTREAM_METRICS_PORT,
OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL.`;

/** The config the worker serves, said in one line so a user sees which file was picked up. */
async function workerConfig(path: string | undefined): Promise<LoadedConfig | undefined> {
  const config = await (await processes.config()).loadConfig({ path });
  if (config) {
    const count = (items: unknown[], noun: string) => `${items.length} ${noun}${items.length === 1 ? '' : 's'}`;
    process.stderr.write(
      `config ${config.file}: ${count(config.tools, 'tool')}, ${count(config.agents, 'agent')}, ${count(config.mcpServers, 'MCP server')}\n`,
    );
  }
  return config;
}

/** A person is there to ask: stdin and stderr are terminals. */
const onTerminal = () => Boolean(process.stdin.isTTY && process.stderr.isTTY);

function requireApprovalFlag(value: string | undefined): string[] | 'all' | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === 'all') return 'all';
  const names = value.split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new CliError('--require-approval: name tools (a,b) or say all');
  return names;
}

function positional(values: string[], name: string): string {
  const value = values[0];
  if (!value) throw new CliError(`missing ${name}\n\n${usage}`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'dev': {
      (await processes.logging()).configureLogging({ pretty: true });
      const { values } = parseArgs({
        args: rest,
        options: { 'no-demo': { type: 'boolean' }, port: { type: 'string' }, insecure: { type: 'boolean' }, config: { type: 'string' } },
      });
      const config = await workerConfig(values.config);
      const { runDev } = await processes.dev();
      await runDev({
        config,
        port: values.port === undefined ? undefined : Number(values.port),
        insecure: values.insecure,
        onReady: async ({ apiUrl, apiKey }) => {
          if (values['no-demo']) return;
          const client = createClient({ url: apiUrl, apiKey });
          const prompt = 'What is (17+25)*3?';
          process.stderr.write(`first run: "${prompt}"\n`);
          const run = await client.enqueue({ input: prompt });
          process.stderr.write(`watch it in a browser: ${run.viewerUrl}\n`);
          await followRunInTerminal(client, run.id);
          process.stderr.write('\nrunstream is still running; Ctrl-C stops it.\n');
        },
      });
      return 0;
    }
    case 'worker': {
      const log = (await processes.logging()).configureLogging({});
      const { values } = parseArgs({ args: rest, options: { config: { type: 'string' }, 'metrics-port': { type: 'string' } } });
      const env = requireServers(readEnv());
      const metricsPort = values['metrics-port'];
      if (metricsPort !== undefined && !/^\d{1,5}$/.test(metricsPort)) throw new CliError('--metrics-port: expected a port number');
      const config = await workerConfig(values.config);
      const traced = await processes.tracingFor('runstream-worker');
      const { startWorkerProcess } = await processes.worker();
      const worker = await startWorkerProcess(env, {
        ...(config ? { config } : {}),
        ...(metricsPort === undefined ? {} : { metricsPort: Number(metricsPort) }),
      });
      log.info(
        { taskQueue: env.RUNSTREAM_TASK_QUEUE, temporal: env.TEMPORAL_ADDRESS, ...(worker.metricsUrl ? { metricsUrl: worker.metricsUrl } : {}) },
        `worker polling task queue ${env.RUNSTREAM_TASK_QUEUE}`,
      );
      await worker.run();
      await traced?.shutdown();
      return 0;
    }
    case 'api': {
      const log = (await processes.logging()).configureLogging({});
      const { values } = parseArgs({
        args: rest,
        options: { port: { type: 'string' }, host: { type: 'string' }, insecure: { type: 'boolean' } },
      });
      const env = requireServers(readEnv());
      if (values.port !== undefined && !/^\d{1,5}$/.test(values.port)) throw new CliError('--port: expected a port number');
      const traced = await processes.tracingFor('runstream-api');
      const { startApiProcess } = await processes.api();
      const api = await startApiProcess(env, {
        port: values.port === undefined ? undefined : Number(values.port),
        host: values.host,
        insecure: values.insecure,
      });
      log.info({ url: api.url, viewerPage: `${api.url}/`, metricsUrl: `${api.url}/metrics`, insecure: values.insecure === true }, `runstream API on ${api.url}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      log.info('shutting down: no new requests; event streams end with a retry hint');
      await api.shutdown();
      await traced?.shutdown();
      return 0;
    }
    case 'run': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          agent: { type: 'string' },
          model: { type: 'string' },
          tools: { type: 'string' },
          'max-steps': { type: 'string' },
          ...modelSettingsOptions,
          ...budgetOptions,
          instructions: { type: 'string' },
          follow: { type: 'boolean', short: 'f' },
          'output-schema': { type: 'string' },
          'require-approval': { type: 'string' },
        },
      });
      const prompt = positional(positionals, 'prompt');
      const outputSchema = values['output-schema'] === undefined ? undefined : readOutputSchemaFile(values['output-schema']);
      if (values.model !== undefined) {
        const parsed = parseModelName(values.model);
        if (!parsed.ok) throw new CliError(`--model: ${parsed.message}`);
      }
      const maxSteps = values['max-steps'] === undefined ? undefined : Number(values['max-steps']);
      const modelSettings = modelSettingsFromFlags(values);
      const budget = budgetFromFlags(values);
      const { apiUrl, apiKey } = clientConfig();
      const client = createClient({ url: apiUrl, apiKey });
      const run = await client.enqueue({
        input: prompt,
        agent: values.agent,
        model: values.model,
        tools: values.tools?.split(',').map((tool) => tool.trim()).filter(Boolean),
        maxSteps,
        instructions: values.instructions,
        output: outputSchema && { schema: outputSchema },
        modelSettings,
        budget,
        requireApproval: requireApprovalFlag(values['require-approval']),
      });
      if (!values.follow) {
        process.stdout.write(`${run.id}\n`);
        process.stderr.write(`follow it with: runstream watch ${run.id}\n`);
        return 0;
      }
      return exitCodeFor[await followRunInTerminal(client, run.id, { structuredOutput: outputSchema !== undefined, decide: onTerminal() })];
    }
    case 'chat': {
      const { values } = parseArgs({
        args: rest,
        options: { agent: { type: 'string' }, model: { type: 'string' }, tools: { type: 'string' }, thread: { type: 'string' } },
      });
      if (values.model !== undefined) {
        const parsed = parseModelName(values.model);
        if (!parsed.ok) throw new CliError(`--model: ${parsed.message}`);
      }
      if (values.thread !== undefined && !isThreadId(values.thread)) throw new CliError('--thread: expected a thread id such as thr_0123456789abcdef0123456789');
      const { apiUrl, apiKey } = clientConfig();
      const { chat } = await import('./chat.js');
      return chat(createClient({ url: apiUrl, apiKey }), {
        agent: values.agent,
        model: values.model,
        tools: values.tools?.split(',').map((tool) => tool.trim()).filter(Boolean),
        thread: values.thread,
      });
    }
    case 'watch': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { after: { type: 'string' } } });
      const runId = positional(positionals, 'run id');
      if (values.after !== undefined && !isStreamId(values.after)) throw new CliError('--after: expected an event id such as 1700000000000-0');
      const { apiUrl, apiKey } = clientConfig();
      const client = createClient({ url: apiUrl, apiKey });
      return exitCodeFor[await followRunInTerminal(client, runId, { after: values.after, decide: onTerminal() })];
    }
    case 'approve': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { deny: { type: 'boolean' }, reason: { type: 'string' } },
      });
      const runId = positional(positionals, 'run id');
      const callId = positional(positionals.slice(1), 'call id (the callId of tool.approval_requested)');
      const { apiUrl, apiKey } = clientConfig();
      const answer = await createClient({ url: apiUrl, apiKey }).approve(runId, callId, { approve: values.deny !== true, reason: values.reason });
      process.stdout.write(`${JSON.stringify(answer)}\n`);
      return 0;
    }
    case 'cancel':
    case 'resume': {
      const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: command === 'resume' ? budgetOptions : {} });
      const runId = positional(positionals, 'run id');
      const budget = budgetFromFlags(values);
      const { apiUrl, apiKey } = clientConfig();
      const client = createClient({ url: apiUrl, apiKey });
      const answer = command === 'cancel' ? await client.cancel(runId) : await client.resume(runId, budget ? { budget } : {});
      process.stdout.write(`${JSON.stringify(answer)}\n`);
      return 0;
    }
    case 'setup': {
      const { values } = parseArgs({ args: rest, options: { browser: { type: 'boolean' }, fuzz: { type: 'boolean' } } });
      const found = ensureBinaries({ temporal: true, redis: true, chromium: values.browser === true, schemathesis: values.fuzz === true });
      process.stderr.write(
        `temporal: ${found.temporal}\nredis-server: ${found.redis}\n${found.chromium ? `chromium: ${found.chromium}\n` : ''}${found.schemathesis ? `schemathesis: ${found.schemathesis}\n` : ''}`,
      );
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${usage}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new CliError(`unknown command "${command}"\n\n${usage}`);
  }
}

const serverCommands = new Set(['api', 'worker', 'dev']);

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CliError || error instanceof ConfigError || error instanceof MissingBinaryError) {
      process.stderr.write(`runstream: ${error.message}\n`);
      process.exit(error instanceof CliError ? error.exitCode : 2);
    }
    if (error instanceof RunstreamApiError) {
      const detail = error.issues?.map((issue) => `${issue.path}: ${issue.message}`).join('; ') ?? error.message;
      process.stderr.write(`runstream: ${error.status} ${error.type}: ${detail}\n`);
      process.exit(2);
    }
    if (error instanceof TypeError && /fetch failed/.test(error.message)) {
      process.stderr.write(`runstream: cannot reach the API (${String((error as Error & { cause?: unknown }).cause ?? error.message)})\n`);
      process.exit(2);
    }
    if (error instanceof Error && String((error as Error & { code?: string }).code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`runstream: ${error.message}\n`);
      process.exit(2);
    }
    // A server process that dies says so in its log format; a client command in one plain line.
    if (serverCommands.has(process.argv[2] ?? '')) {
      void processes.logging().then(({ logger }) => {
        logger().fatal({ err: error }, 'runstream stopped on an unexpected error');
        process.exit(1);
      });
      return;
    }
    process.stderr.write(`runstream: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
