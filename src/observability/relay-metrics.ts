import type { LogEntry } from '../bus/run-log.js';
import { eventsRelayed, relayLatency } from './metrics.js';

/** An entry's event time in ms, parsed once: a live entry is the same object for every viewer of the process. */
const eventTimes = new WeakMap<LogEntry, number>();
function eventTime(entry: LogEntry): number {
  let time = eventTimes.get(entry);
  if (time === undefined) {
    const at = 'at' in entry.event && typeof entry.event.at === 'string' ? Date.parse(entry.event.at) : Number.NaN;
    // An event without a time (a newer type this process does not know): the log id's, Redis's append time.
    time = Number.isNaN(at) ? Number(entry.id.slice(0, entry.id.indexOf('-'))) : at;
    eventTimes.set(entry, time);
  }
  return time;
}

/**
 * One batch written to one viewer. Only live entries feed the latency
 * histogram: a replayed entry's age is how late the viewer came, not how
 * fast the relay is. The clock is the publishing worker's against this API
 * process's, so hosts should keep their clocks in sync (NTP).
 */
export function recordRelay(entries: readonly LogEntry[], live: boolean): void {
  eventsRelayed.inc({ source: live ? 'live' : 'replay' }, entries.length);
  if (!live) return;
  const now = Date.now();
  for (const entry of entries) relayLatency.observe(Math.max(0, now - eventTime(entry)) / 1000);
}
