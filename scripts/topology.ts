// `npm run topology [-- --apis 2 --workers 3 --replicas 1]`: the production topology on this machine, without
// Docker — a Temporal dev server, a three-master Redis Cluster, API processes and workers — until Ctrl-C.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBinaries } from '../src/services/setup.js';
import { startTopology } from '../src/services/topology.js';

const { values } = parseArgs({
  options: { apis: { type: 'string', default: '2' }, workers: { type: 'string', default: '3' }, replicas: { type: 'string', default: '0' }, dir: { type: 'string' } },
});
const count = (name: 'apis' | 'workers' | 'replicas', min: number) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min || value > 16) throw new Error(`--${name}: expected a whole number from ${min} to 16`);
  return value;
};
const binaries = ensureBinaries({ temporal: true, redis: true });
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'runstream-topology-'));
// The variables that configure runstream pass through (provider keys, RUNSTREAM_*, OTEL_*); an API key is made when none is set.
const passed = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => /^(RUNSTREAM_|OPENAI_|ANTHROPIC_|OTEL_)/.test(entry[0]) && entry[1] !== undefined));
const apiKey = passed.RUNSTREAM_API_KEYS?.split(',')[0] ?? `rs_${randomBytes(18).toString('base64url')}`;
process.stderr.write(`starting Temporal, a Redis Cluster, ${values.apis} API processes and ${values.workers} workers (logs in ${dir}/logs)…\n`);
const topology = await startTopology({
  dir,
  apis: count('apis', 1),
  workers: count('workers', 1),
  replicasPerMaster: count('replicas', 0),
  ...(binaries.temporal ? { temporalCli: binaries.temporal } : {}),
  ...(binaries.redis ? { redisBinary: binaries.redis } : {}),
  env: { RUNSTREAM_API_KEYS: apiKey, RUNSTREAM_BLOB_DIR: join(dir, 'blobs'), ...passed },
});
process.stdout.write(
  [
    `TEMPORAL_ADDRESS=${topology.temporalAddress}`,
    `REDIS_URL=${topology.redisUrl}`,
    ...topology.apis.map((api, index) => `RUNSTREAM_API_URL_${index + 1}=${api.url}`),
    `RUNSTREAM_API_KEY=${apiKey}`,
    '',
  ].join('\n'),
);
process.stderr.write('runstream topology is running; Ctrl-C stops it.\n');
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void topology.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
