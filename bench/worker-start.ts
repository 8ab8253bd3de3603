import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBinaries } from '../src/services/setup.js';
import { startRedisServer, startTemporalDevServer } from '../src/services/local-services.js';
import { rssBytes } from './support/proc-stats.js';
import { mib, ms, ratio, summarize, table } from './support/stats.js';

/**
 * `npm run bench -- worker-start [--repeats N] [--tools N] [--mcp-tools N]`:
 * what a big config costs the worker. `runstream worker --config` is started
 * as a user starts it (the compiled CLI), with the built-in tools only and
 * with 200 config tools plus 2 MCP servers (one over Streamable HTTP in its
 * own process, one over stdio started by the worker), interleaved. Start time
 * is spawn → "worker polling" (config loaded, MCP tools listed, workflows
 * bundled, catalogue published); memory is the worker's RSS then, and its
 * peak (VmHWM) over the start.
 */
export default async function workerStartBench(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: { repeats: { type: 'string', default: '3' }, tools: { type: 'string', default: '200' }, 'mcp-tools': { type: 'string', default: '20' } },
  });
  const repeats = Number(values.repeats);
  const toolCount = Number(values.tools);
  const mcpTools = Number(values['mcp-tools']);

  const binaries = ensureBinaries({ temporal: true, redis: true });
  // Generated files live under .runstream/ (ignored), where `zod` and the SDK resolve from this checkout.
  const dir = resolve('.runstream/bench-worker-start');
  mkdirSync(dir, { recursive: true });
  const [temporal, redis] = await Promise.all([
    startTemporalDevServer({ logDir: join(dir, 'logs'), cli: binaries.temporal as string }),
    startRedisServer({ logDir: join(dir, 'logs'), binary: binaries.redis as string }),
  ]);
  const mcpServer = resolve('bench/support/mcp-bench-server.mjs');
  const http = spawn(process.execPath, [mcpServer, 'http', String(mcpTools)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const httpUrl = await new Promise<string>((done) => http.stdout!.setEncoding('utf8').once('data', (line: string) => done(line.trim())));

  const builtinConfig = join(dir, 'builtin.config.mjs');
  writeFileSync(builtinConfig, 'export default {};\n');
  const fullConfig = join(dir, 'full.config.mjs');
  writeFileSync(fullConfig, configSource(toolCount, httpUrl, mcpServer, mcpTools));

  const variants = [
    { name: 'built-in tools only', config: builtinConfig, tools: 2 },
    { name: `${toolCount} config tools + 2 MCP servers (${mcpTools} tools each)`, config: fullConfig, tools: 2 + toolCount + 2 * mcpTools },
  ];
  const samples = variants.map(() => ({ startMs: [] as number[], configMs: [] as number[], mcpMs: [] as number[], rss: [] as number[], peak: [] as number[] }));
  let throughTsx = false;
  try {
    for (let round = 0; round < repeats; round++) {
      // Alternate which goes first, so a warming disk cache or a busy neighbour does not favour one.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const index of order) {
        const variant = variants[index]!;
        const sample = await startWorker(variant.config, { TEMPORAL_ADDRESS: temporal.address, REDIS_URL: redis.address, RUNSTREAM_TASK_QUEUE: `bench-start-${round}-${index}` });
        throughTsx ||= sample.throughTsx;
        if (sample.tools !== variant.tools) throw new Error(`${variant.name}: the config line says ${sample.tools} tools, expected ${variant.tools}`);
        samples[index]!.startMs.push(sample.startMs);
        samples[index]!.configMs.push(sample.configMs);
        if (sample.mcpMs !== undefined) samples[index]!.mcpMs.push(sample.mcpMs);
        samples[index]!.rss.push(sample.rss);
        samples[index]!.peak.push(sample.peak);
      }
    }
  } finally {
    http.kill();
    await Promise.all([temporal.stop(), redis.stop()]);
  }

  if (throughTsx) console.log('note: dist/ is older than the sources, so the CLI ran them through tsx (its compile time is included); npm run build first');
  const median = (values: number[]) => summarize(values).p50;
  const base = samples[0]!;
  console.log(`worker start, ${repeats} interleaved starts each (median; min–max)`);
  console.log(
    table([
      ['variant', 'config loaded', 'MCP tools listed', 'polling', 'polling range', 'RSS when polling', 'peak RSS', 'start vs built-in', 'RSS vs built-in'],
      ...variants.map((variant, index) => {
        const sample = samples[index]!;
        return [
          variant.name,
          ms(median(sample.configMs), 0),
          sample.mcpMs.length ? ms(median(sample.mcpMs), 0) : '–',
          ms(median(sample.startMs), 0),
          `${ms(Math.min(...sample.startMs), 0)}–${ms(Math.max(...sample.startMs), 0)}`,
          mib(median(sample.rss)),
          mib(median(sample.peak)),
          ratio(median(sample.startMs), median(base.startMs)),
          ratio(median(sample.rss), median(base.rss)),
        ];
      }),
    ]),
  );
}

/** A config of `count` tools, each with its own zod object schema, and the two MCP servers. */
function configSource(count: number, httpUrl: string, mcpServer: string, mcpTools: number): string {
  return `import { z } from 'zod';
const tools = Array.from({ length: ${count} }, (_, index) => ({
  name: \`tool_\${index}\`,
  description: \`Config tool number \${index}: looks a record up by id and returns it.\`,
  parameters: z.object({ id: z.string(), fields: z.array(z.string()).optional(), limit: z.number().int().min(1).max(100).optional() }),
  retry: 'idempotent',
  execute: async ({ id }) => ({ id }),
}));
export default {
  tools,
  mcpServers: [
    { name: 'remote', url: ${JSON.stringify(httpUrl)} },
    { name: 'local', command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(mcpServer)}, 'stdio', '${mcpTools}'] },
  ],
};
`;
}

interface StartSample {
  /** Spawn → the config line (the CLI, the config module and its tools loaded and validated). */
  configMs: number;
  /** Spawn → the last MCP server's "ready" line. */
  mcpMs: number | undefined;
  /** Spawn → "worker polling" (the workflow bundle built and the catalogue published too). */
  startMs: number;
  rss: number;
  peak: number;
  tools: number;
  throughTsx: boolean;
}

/** `runstream worker --config <file>` until it says it polls; then its memory, then SIGTERM. */
async function startWorker(config: string, env: Record<string, string>): Promise<StartSample> {
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ['bin/runstream.js', 'worker', '--config', config], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let configMs = Number.NaN;
  let mcpMs: number | undefined;
  const tools = await new Promise<number>((done, fail) => {
    const onExit = (code: number | null) => fail(new Error(`runstream worker exited (${code}) before polling:\n${stderr}`));
    child.once('exit', onExit);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (Number.isNaN(configMs) && /^config /m.test(stderr)) configMs = performance.now() - started;
      if (/MCP server "[^"]+": ready/.test(chunk)) mcpMs = performance.now() - started;
      if (!stderr.includes('worker polling task queue')) return;
      child.off('exit', onExit);
      done(toolsServed(stderr));
    });
  });
  const startMs = performance.now() - started;
  const rss = rssBytes(child.pid!);
  const peak = peakRssBytes(child.pid!);
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
  return { configMs, mcpMs, startMs, rss, peak, tools, throughTsx: stderr.includes('through tsx') };
}

/** Built-in and config tools from the config line, MCP tools from the servers' "ready" lines. */
function toolsServed(stderr: string): number {
  const configured = Number(/config [^:]+: (\d+) tools?/.exec(stderr)?.[1] ?? 0);
  const mcp = [...stderr.matchAll(/MCP server "[^"]+": ready, (\d+) tools?/g)].reduce((sum, match) => sum + Number(match[1]), 0);
  return 2 + configured + mcp;
}

/** The most resident memory the process has had (VmHWM). */
function peakRssBytes(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}
