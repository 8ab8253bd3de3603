import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import protos from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/test-stack.js';

// @temporalio/proto is CommonJS; its namespace comes through the default export.
const { History } = protos.temporal.api.history.v1;

/**
 * Determinism: the workflow code must replay every recorded history
 * (test/fixtures/histories, recorded from real runs by record-histories.ts):
 * a tool run, a cancelled run, a run that continued as new, a step retried
 * from its checkpoint, a failed run and the run that resumed it, a run
 * cancelled while its step waited between retries, and runs with structured
 * output (valid, and failed with StructuredOutputError), and a run with the
 * later events (metadata, reasoning, a rate-limited step, durations), and a
 * run whose run.started went out from a local activity, one whose first
 * model step appended it and one cancelled before its first step. A change
 * that would break running workflows fails here; guard it with patched().
 */
const directory = new URL('../fixtures/histories/', import.meta.url).pathname;
const files = readdirSync(directory).filter((file) => file.endsWith('.json'));

describe('workflow determinism over recorded histories', () => {
  it('has histories for each kind of run', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'tool-run.json',
        'cancelled-run.json',
        'continue-as-new-first.json',
        'retried-step.json',
        'failed-run.json',
        'resumed-run.json',
        'cancelled-in-backoff.json',
        'structured-run.json',
        'structured-mismatch.json',
        'retried-with-notice.json',
        'local-run-started.json',
        'run-started-in-step.json',
        'cancelled-before-first-step.json',
        'run-completed-local.json',
        'one-patch-marker.json',
      ]),
    );
  });

  it('replays every one of them without a nondeterminism error', async () => {
    const histories = files.map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      // Object form, not the SDK's proto3 JSON: historyFromJSON fails on this install's second protobufjs copy.
      history: History.fromObject(JSON.parse(readFileSync(join(directory, file), 'utf8')) as Record<string, unknown>),
    }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: workflowBundle() }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
  });
});
