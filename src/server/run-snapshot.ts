import type { RunLog } from '../bus/run-log.js';
import { compareStreamIds } from '../protocol/stream-id.js';
import { isFinalStatus, isTerminalEvent, parseRunEventJson, type RunEventOf } from '../protocol/index.js';
import type { Message } from '../protocol/messages.js';
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

/**
 * Where a viewer's stream starts. Normally: the log after the id it asked for,
 * known in one Redis round trip (coverage and last entry together); a final
 * event at its end means the run is over. Only when the log does not cover
 * the id is Temporal asked: for the run's status (404 for an unknown run),
 * and, when trimming or expiry removed part of the log (DESIGN invariant 5),
 * for a snapshot of the transcript, sent first with the log's last id as its
 * id, then the log after it. The last id is read before the transcript, so the
 * snapshot is at least as new as its id: a viewer may see a step twice, never
 * miss one. A run stopped from outside with its log intact (terminated, no
 * final event) is noticed by the stream's periodic close check.
 */
export async function startingPoint(log: RunLog, runs: RunService, runId: string, after: string | undefined): Promise<StartingPoint> {
  const { coverage, last } = await log.inspect(runId, after);
  if (coverage === 'covered') return { after, ended: false, closed: last !== undefined && isTerminalJson(last.json) };
  const status = statusOf(await runs.describe(runId)); // 404 for an unknown run, before the stream opens
  const closed = isFinalStatus(status);
  // A log that does not exist yet belongs to a run no worker has begun: it will appear.
  if (coverage === 'missing' && after === undefined && !closed) return { after, ended: false, closed };

  // With no log left, an id just below this millisecond: every entry the run appends from now on sorts after it.
  const snapshot = await buildSnapshot(runs, runId, status, last?.id ?? `${Date.now() - 1}-0`, after);
  return { snapshot, after: snapshot.id, ended: closed, closed };
}

/** A snapshot of the run as the workflow has it (in `status`), with an id after `after`. */
export async function buildSnapshot(runs: RunService, runId: string, status: RunStatus, id: string, after: string | undefined) {
  const messages = await transcript(runs, runId);
  const snapshotId = after !== undefined && compareStreamIds(id, after) <= 0 ? nextId(after) : id;
  const event: RunEventOf<'snapshot'> = { type: 'snapshot', runId, at: new Date().toISOString(), status, messages };
  return { id: snapshotId, event, json: JSON.stringify(event) };
}

export async function lastLogEntry(log: RunLog, runId: string): Promise<{ id: string; terminal: boolean } | undefined> {
  const [last] = await log.redis.xrevrange(log.logKey(runId), '+', '-', 'COUNT', 1);
  if (!last) return undefined;
  return { id: last[0], terminal: isTerminalJson(last[1][1] ?? 'null') };
}

function isTerminalJson(json: string): boolean {
  try {
    return isTerminalEvent(parseRunEventJson(json));
  } catch {
    return false; // a malformed entry ends nothing
  }
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
