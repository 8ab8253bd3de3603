import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readEnv } from '../config.js';
import { stateDir } from '../services/binaries.js';
import { CliError } from './cli-error.js';

const devStateSchema = z.object({ apiUrl: z.string(), apiKey: z.string() });
export type DevState = z.infer<typeof devStateSchema>;

export const devStateFile = () => join(stateDir(), 'dev.json');

/**
 * Where the client commands find the API: RUNSTREAM_API_URL and
 * RUNSTREAM_API_KEY, else the running `runstream dev` of this directory.
 */
export function clientConfig(): DevState {
  const env = readEnv();
  let dev: DevState | undefined;
  try {
    dev = devStateSchema.parse(JSON.parse(readFileSync(devStateFile(), 'utf8')));
  } catch {
    dev = undefined;
  }
  const apiUrl = env.RUNSTREAM_API_URL ?? dev?.apiUrl;
  const apiKey = env.RUNSTREAM_API_KEY ?? (env.RUNSTREAM_API_URL ? undefined : dev?.apiKey);
  if (!apiUrl) throw new CliError('RUNSTREAM_API_URL is not set and no `runstream dev` is running here: start one, or set RUNSTREAM_API_URL');
  if (!apiKey) throw new CliError('RUNSTREAM_API_KEY is not set: pass the API key of the runstream API');
  return { apiUrl, apiKey };
}
