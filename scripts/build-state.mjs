// Whether dist/ is as new as the sources: read by the build (`--if-stale`), the
// test suite's setup and bin/runstream.js in a checkout. Not part of the package.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Touched by every build, with the time the build started. */
export const buildStamp = join(root, 'node_modules', '.cache', 'runstream', 'build-stamp');
const inputs = ['src', 'workflows', 'activities', 'tsconfig.json', 'tsconfig.build.json'];

function newestChange(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, name)));
  return newest;
}

/** Why dist/ is out of date (a sentence), or undefined when it is current. */
export function staleBuildReason() {
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) return 'no build in dist/';
  if (!existsSync(buildStamp)) return 'no record of the last build';
  const built = statSync(buildStamp).mtimeMs;
  const changed = inputs.map((input) => join(root, input)).filter(existsSync).some((path) => newestChange(path) > built);
  return changed ? 'sources changed since the last build' : undefined;
}
