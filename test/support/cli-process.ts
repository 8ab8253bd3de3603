import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A `runstream` command (api, worker, …) as a real child process, with all
 * it writes to stdout and stderr kept, so tests can read its address from
 * its start-up lines, scrape it, signal it and grep its logs.
 */
export class CliProcess {
  readonly child: ChildProcess;
  private chunks: string[] = [];
  private waiters: Array<() => void> = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string | undefined>) {
    this.child = spawn(process.execPath, ['bin/runstream.js', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      this.chunks.push(chunk.toString());
      for (const wake of this.waiters.splice(0)) wake();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        for (const wake of this.waiters.splice(0)) wake();
        resolve({ code, signal });
      }),
    );
  }

  /** Everything the process wrote so far, stdout and stderr interleaved. */
  get output(): string {
    return this.chunks.join('');
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first match of `pattern` in the output, once it appears; fails if the process exits first. */
  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (!this.running) throw new Error(`runstream ${this.child.spawnargs.slice(2).join(' ')} exited before printing ${pattern}:\n${this.output}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `killAfterMs`, so a hung process cannot hang the suite). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) {
      this.child.kill(signal);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), killAfterMs);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }
}

/** The environment of a child process: a test env's values as strings, plus `extra`. */
export const childEnv = (env: object, extra: Record<string, string> = {}): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(env).map(([name, value]) => [name, String(value)])),
  ...extra,
});

/** The API's and the worker's start-up log lines name where they listen. */
export const apiUrlPattern = /runstream API on (http:[^"\s]+)/;

/** Prometheus text → the value of one sample (undefined when absent); `labels` must all match. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const match = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) total = (total ?? 0) + Number(match[3]);
  }
  return total;
}
