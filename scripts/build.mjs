#!/usr/bin/env node
// `npm run build`: compiles src/, workflows/ and activities/ to dist/ (JavaScript,
// .d.ts, source maps), copies the files tsc does not emit (the viewer page's
// assets), removes outputs whose source is gone, then runs
// scripts/build-viewer.mjs when it exists (browser bundles). Incremental: with
// nothing changed tsc takes a few seconds, and `--if-stale` skips even that.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { buildStamp, root, staleBuildReason } from './build-state.mjs';

// `--if-stale` (the test suite's setup): nothing to do when dist/ is current.
if (process.argv.includes('--if-stale') && staleBuildReason() === undefined) process.exit(0);
const started = new Date();
const dist = join(root, 'dist');
const sourceDirs = ['src', 'workflows', 'activities'];

function* walk(directory) {
  if (!existsSync(directory)) return;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

function run(script, args) {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const isTypeScript = (path) => path.endsWith('.ts') && !path.endsWith('.d.ts');
const sources = sourceDirs.flatMap((directory) => [...walk(join(root, directory))].map((path) => relative(root, path)));
const tscOutputs = (source) => {
  const base = source.replace(/\.ts$/, '');
  return [`${base}.js`, `${base}.js.map`, `${base}.d.ts`, `${base}.d.ts.map`];
};

let tscBin;
try {
  tscBin = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // `npm ci --omit=dev` in a checkout runs `prepare` without the compiler: bin/runstream.js then runs the sources.
  if (process.argv.includes('--prepare')) {
    process.stderr.write('runstream build: typescript is not installed (dev dependencies omitted), skipping the build\n');
    process.exit(0);
  }
  throw new Error('runstream build: typescript is not installed; run `npm ci` first');
}
const tsc = () => run(tscBin, ['-p', join(root, 'tsconfig.build.json')]);
tsc();
// tsc trusts its build info, so outputs deleted by hand would never come back.
if (sources.filter(isTypeScript).some((source) => !existsSync(join(dist, tscOutputs(source)[0])))) {
  rmSync(join(root, 'node_modules', '.cache', 'runstream', 'tsbuildinfo'), { force: true });
  tsc();
}

const expected = new Set();
for (const source of sources) {
  if (isTypeScript(source)) {
    for (const output of tscOutputs(source)) expected.add(output);
    continue;
  }
  expected.add(source);
  const target = join(dist, source);
  if (existsSync(target) && statSync(target).mtimeMs >= statSync(join(root, source)).mtimeMs) continue;
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(root, source), target);
}

// A moved or deleted source must not leave its old module in the package.
function prune(directory) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      prune(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    } else if (!expected.has(relative(dist, path))) rmSync(path);
  }
}
for (const directory of sourceDirs) if (existsSync(join(dist, directory))) prune(join(dist, directory));

// Browser bundles are written after the prune, on every build.
const viewerBuild = join(root, 'scripts', 'build-viewer.mjs');
if (existsSync(viewerBuild)) run(viewerBuild, []);

// Stamped with the start time: a source saved during the build counts as newer.
mkdirSync(dirname(buildStamp), { recursive: true });
writeFileSync(buildStamp, `${started.toISOString()}\n`);
utimesSync(buildStamp, started, started);
