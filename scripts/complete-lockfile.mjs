#!/usr/bin/env node
// Adds lock entries for optional platform packages (other OSes' and CPUs' native
// builds of @swc/core, unrs-resolver, …) that `npm install` could not record
// because the registry it used does not serve them. Without the entries
// `npm ci` refuses the lock as out of sync; with them it skips those packages
// on this platform as it would with a complete lock. Run after `npm install`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = path === '' ? '' : `${path}/`;
    const nested = `${base}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (packages[nested] || packages[hoisted]) continue;
    const os = name.match(/(darwin|linux|win32|freebsd|android|openharmony|sunos|aix|netbsd|openbsd)/)?.[1];
    const cpu = name.match(/(arm64|x64|ia32|arm(?=-|$)|ppc64|s390x|riscv64|loong64|wasm32)/)?.[1];
    packages[hoisted] = {
      version: String(version).replace(/^[\^~]/, ''),
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...(os ? { os: [os] } : {}),
      ...(cpu ? { cpu: [cpu] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries`);
if (process.argv.includes('--check')) execFileSync('npm', ['ci', '--dry-run', '--no-audit', '--no-fund'], { stdio: 'inherit' });
