import type { RunLog } from '../bus/run-log.js';
import { compareStreamIds } from '../bus/stream-id.js';
import type { RunEventOf } from '../events.js';
import type { Message } from '../messages.js';
import { statusOf, type RunService, type RunStatus } from '../runs/run-service.js';

export interface StartingPoint {
  /** Sent first when the log no longer holds everything the viewer asked for. */
  snapshot?: { id: string; event: RunEventOf<'snapshot'>; json: string };
  /** Follow the log after this id. */
  after: string | undefined;
  /** The run had ended: the snapshot is all there is to send. */
  ended: boolean;
}

const terminal: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * Where a viewer's stream starts. Normally: the log after the id it asked for.
 * When trimming or expiry removed part of that (DESIGN invariant 5), a snapshot
 * of the transcript from the workflow comes first, with the log's last id as its
 * id, then the log after it. The last id is read before the transcript, so the
 * snapshot is at least as new as its id: a viewer may see a step twice, never miss one.
 */
export async function startingPoint(
  log: RunLog,
  runs: RunService,
  runId: string,
  after: string | undefined,
): Promise<StartingPoint> {
  const description = await runs.describe(runId); // 404 for an unknown run, before the stream opens
  if (await log.covers(runId, after)) return { after, ended: false };
  const lastId = await lastLogId(log, runId);
  let status = statusOf(description);
  // A log that does not exist yet belongs to a run no worker has begun: it will appear.
  if (lastId === undefined && after === undefined && !terminal.includes(status)) return { after, ended: false };
  if (!terminal.includes(status)) status = statusOf(await runs.describe(runId));

  const messages = await transcript(runs, runId);
  let id = lastId ?? `${Date.now()}-0`;
  if (after !== undefined && compareStreamIds(id, after) <= 0) id = nextId(after);
  const event: RunEventOf<'snapshot'> = { type: 'snapshot', runId, at: new Date().toISOString(), status, messages };
  return { snapshot: { id, event, json: JSON.stringify(event) }, after: id, ended: terminal.includes(status) };
}

async function lastLogId(log: RunLog, runId: string): Promise<string | undefined> {
  const [last] = await log.redis.xrevrange(log.logKey(runId), '+', '-', 'COUNT', 1);
  return last?.[0];
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

function nextId(id: string): string {
  const [ms = '0', seq = '0'] = id.split('-');
  return `${ms}-${BigInt(seq) + 1n}`;
}
