import { resolveRunResult } from '../src/blobs/run-results.js';
import type { TranscriptRef } from '../src/blobs/transcript-ref.js';
import { isTerminalEvent, type RunEvent, type RunEventInput } from '../src/protocol/index.js';
import { releaseRunSlot } from '../src/runs/run-slots.js';
import type { ActivityDependencies } from './dependencies.js';
import { openPublisher, settlePublisher } from './publishing.js';

export interface PublishRunEventInput {
  runId: string;
  event: RunEventInput;
  /** The run's model, for the worker's run metrics (final events do not carry it). */
  model?: string | undefined;
  /** With `run.completed`: the result's transcript, read from the store here so the workflow never carries it. */
  transcript?: TranscriptRef | undefined;
  /** A thread's turn: the result's messages start here (its own turn's), not at the thread's first. */
  transcriptFrom?: number | undefined;
  /** Appends under this producer instead of the activity's own: `run.started`, which the first model step may have appended already. */
  producer?: string | undefined;
  /** A `run.started` the first model step was scheduled to publish: its first attempt counted the run in the metrics. */
  startCounted?: true | undefined;
}

export function createPublishRunEvent(deps: ActivityDependencies) {
  /**
   * Run lifecycle events (started, completed, failed, cancelled): one log entry, appended once across retries.
   * A final event also gives the run's concurrency slot back to its API key.
   */
  return async function publishRunEvent(input: PublishRunEventInput): Promise<string | undefined> {
    const publisher = openPublisher(deps, input.runId, { perAttempt: false, producer: input.producer });
    let event = input.event;
    if (event.type === 'run.completed' && input.transcript) {
      const { output: _output, messages: _messages, ...rest } = event.result;
      const from = input.transcriptFrom === undefined ? {} : { from: input.transcriptFrom };
      event = { ...event, result: await resolveRunResult(deps.transcripts, { ...rest, transcript: input.transcript, ...from }) };
    }
    publisher.publish(event);
    // Redis away past the flush timeout: the run still ends; late viewers get a snapshot from the workflow.
    await settlePublisher(deps, publisher);
    // Failing here would only delay the slot: the API reclaims slots of ended runs when a key is full.
    if (isTerminalEvent(event as RunEvent)) await releaseRunSlot(deps.log.redis, deps.log.keyPrefix, input.runId).catch(() => undefined);
    return publisher.lastId;
  };
}
