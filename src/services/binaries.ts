import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** Where runstream keeps what it installs and the state of `runstream dev`. */
export const stateDir = (cwd = process.cwd()) => resolve(cwd, '.runstream');
export const toolsDir = (cwd = process.cwd()) => join(stateDir(cwd), 'tools');

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export function findTemporalCli(cwd = process.cwd()): string | undefined {
  const configured = process.env.TEMPORAL_CLI;
  if (configured) return isExecutable(configured) ? configured : undefined;
  const local = join(toolsDir(cwd), 'bin', 'temporal');
  if (isExecutable(local)) return local;
  return onPath('temporal');
}

export function findRedisServer(): string | undefined {
  const configured = process.env.REDIS_SERVER;
  if (configured) return isExecutable(configured) ? configured : undefined;
  return onPath('redis-server') ?? ['/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server'].find(isExecutable);
}

/** Chromium (or Chrome) for the browser test: CHROMIUM_PATH, else the usual names on PATH and in /usr/bin. */
export function findChromium(): string | undefined {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return isExecutable(configured) ? configured : undefined;
  return onPath('chromium') ?? onPath('chromium-browser') ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(isExecutable);
}

/** Schemathesis, the API fuzzer the test suite drives from /openapi.json: SCHEMATHESIS, else its venv in .runstream/tools. */
export function findSchemathesis(cwd = process.cwd()): string | undefined {
  const configured = process.env.SCHEMATHESIS;
  if (configured) return isExecutable(configured) ? configured : undefined;
  const local = join(toolsDir(cwd), 'schemathesis', 'bin', 'st');
  return isExecutable(local) ? local : undefined;
}
