import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
// There is no Docker engine in CI; the client and its compose plugin validate the file without one.
const composeAvailable = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!composeAvailable)('docker-compose.yml', () => {
  it('is valid: docker compose config -q', () => {
    const checked = spawnSync('docker', ['compose', '-f', 'docker-compose.yml', 'config', '-q'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, RUNSTREAM_API_KEYS: 'compose-check-key' },
    });
    expect(checked.status, checked.stderr).toBe(0);
  });
});
