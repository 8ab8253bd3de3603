import { freePort } from '../services/free-port.js';

/**
 * The Temporal worker's own metrics (task latencies, slots, polls, sticky
 * cache) are served by the SDK's native runtime on a loopback port of its
 * own; `/metrics` fetches them and appends them to runstream's, so one
 * scrape target per process has both.
 */
let coreAddress: string | undefined;

/** A loopback address for the runtime's Prometheus exporter; the same one for the life of the process. */
export async function temporalMetricsBindAddress(): Promise<string> {
  coreAddress ??= `127.0.0.1:${await freePort()}`;
  return coreAddress;
}

/** Forget the address: the runtime was installed by someone else, without our exporter. */
export function temporalMetricsUnavailable(): void {
  coreAddress = undefined;
}

/** The runtime's metrics as Prometheus text ('' when none are served in this process). */
export async function temporalMetricsText(): Promise<string> {
  if (!coreAddress) return '';
  try {
    const response = await fetch(`http://${coreAddress}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : '';
  } catch {
    return ''; // the runtime starts its exporter with the first worker: nothing to add before that
  }
}
