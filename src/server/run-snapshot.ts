import type { RunLog } from '../bus/run-log.js';
import { compareStreamIds } from '../bus/stream-id.js';
import { isTerminalEvent, runEventSchema, type RunEventOf } from '../events.js';
import type { Message } from '../messages.js';
import { statusOf, type RunService, type RunStatus } from '../runs/run-service.js';

export interface StartingPoint {
  /** Sent first when the log no longer holds everything the viewer asked for. */
  snapshot?: { id: string; event: RunEventOf<'snapshot'>; json: string };
  /** Follow the log after this id. */
  after: string | undefined;
  /** The snapshot is all there is to send (the run ended and its log is gone). */
  ended: boolean;
  /** The workflow is closed: replay the log and stop, nothing live will follow. */
  closed: boolean;
}

const terminal: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * Where a viewer's stream starts. Normally: the log after the id it asked for.
 * When trimming or expiry removed part of that (DESIGN invariant 5), a snapshot
 * of the transcript from the workflow comes first, with the log's last id as its
 * id, then the log after it. The last id is read before the transcript, so the
 * snapshot is at least as new as its id: a viewer may see a step twice, never miss one.
 */
export async function startingPoint(log: RunLog, runs: RunService, runId: string, after: string | undefined): Promise<StartingPoint> {
  const status = statusOf(await runs.describe(runId)); // 404 for an unknown run, before the stream opens
  const closed = terminal.includes(status);
  const last = await lastLogEntry(log, runId);
  const coverage = await logCoverage(log, runId, after);
  if (coverage === 'covered') return { after, ended: false, closed };
  // A log that does not exist yet belongs to a run no worker has begun: it will appear.
  if (coverage === 'missing' && after === undefined && !closed) return { after, ended: false, closed };

  // With no log left, an id just below this millisecond: every entry the run appends from now on sorts after it.
  const snapshot = await buildSnapshot(runs, runId, last?.id ?? `${Date.now() - 1}-0`, after);
  return { snapshot, after: snapshot.id, ended: closed, closed };
}

/** A snapshot of the run as the workflow has it, with an id after `after`. */
export async function buildSnapshot(runs: RunService, runId: string, id: string, after: string | undefined) {
  const status = statusOf(await runs.describe(runId));
  const messages = await transcript(runs, runId);
  const snapshotId = after !== undefined && compareStreamIds(id, after) <= 0 ? nextId(after) : id;
  const event: RunEventOf<'snapshot'> = { type: 'snapshot', runId, at: new Date().toISOString(), status, messages };
  return { id: snapshotId, event, json: JSON.stringify(event) };
}

/**
 * Whether the log still holds every entry after `afterId`. XTRIM does not
 * move `max-deleted-entry-id` (Redis 7.0), so trimming is seen by comparing
 * `entries-added` with `length`: once entries were removed, only an id at or
 * past the first entry still held (and past any XDEL) is safely covered.
 */
async function logCoverage(log: RunLog, runId: string, afterId: string | undefined): Promise<'covered' | 'gap' | 'missing'> {
  const info = (await log.redis.call('XINFO', 'STREAM', log.logKey(runId)).catch(() => undefined)) as unknown[] | undefined;
  if (!info) return 'missing';
  const fields = new Map<string, unknown>();
  for (let index = 0; index + 1 < info.length; index += 2) fields.set(String(info[index]), info[index + 1]);
  if (Number(fields.get('entries-added')) === Number(fields.get('length'))) return 'covered';
  if (afterId === undefined) return 'gap';
  const maxDeleted = String(fields.get('max-deleted-entry-id') ?? '0-0');
  const firstEntry = fields.get('first-entry');
  const firstId = Array.isArray(firstEntry) ? String(firstEntry[0]) : String(fields.get('last-generated-id') ?? '0-0');
  return compareStreamIds(afterId, maxDeleted) >= 0 && compareStreamIds(afterId, firstId) >= 0 ? 'covered' : 'gap';
}

export async function lastLogEntry(log: RunLog, runId: string): Promise<{ id: string; terminal: boolean } | undefined> {
  const [last] = await log.redis.xrevrange(log.logKey(runId), '+', '-', 'COUNT', 1);
  if (!last) return undefined;
  const parsed = runEventSchema.safeParse(JSON.parse(last[1][1] ?? 'null'));
  return { id: last[0], terminal: parsed.success && isTerminalEvent(parsed.data) };
}

/** The workflow's transcript; for a closed run with no worker to answer the query, its result's. */
async function transcript(runs: RunService, runId: string): Promise<Message[]> {
  try {
    return await runs.messages(runId);
  } catch {
    const view = await runs.get(runId);
    return view.result?.messages ?? [];
  }
}

export function nextId(id: string): string {
  const [ms = '0', seq = '0'] = id.split('-');
  return `${ms}-${BigInt(seq) + 1n}`;
}
