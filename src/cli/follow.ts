import { createInterface } from 'node:readline/promises';
import { RunstreamApiError, type createClient } from '../client/index.js';
import { finalStatusOfEvent, type FinalRunStatus, type RunEventOf } from '../protocol/index.js';
import { RunRenderer } from './render-run.js';

/** How a followed run ended; `unknown` when the stream stopped before its final event. */
export type FinalStatus = FinalRunStatus | 'unknown';

export const exitCodeFor: Record<FinalStatus, number> = { completed: 0, failed: 1, cancelled: 3, unknown: 4 };

/** Streams a run to the terminal until its final event; returns how it ended. */
export async function followRunInTerminal(
  client: ReturnType<typeof createClient>,
  runId: string,
  options: {
    after?: string | undefined;
    signal?: AbortSignal | undefined;
    structuredOutput?: boolean;
    /** Ask at the terminal for each tool call that waits for approval, and decide it (stdin and stderr are TTYs). */
    decide?: boolean | undefined;
  } = {},
): Promise<FinalStatus> {
  // With structured output, stdout carries only the final JSON (for pipes and files); the streamed text goes to stderr.
  const renderer = new RunRenderer({
    stdout: (text) => (options.structuredOutput ? process.stderr : process.stdout).write(text),
    stderr: (text) => process.stderr.write(text),
    interactive: Boolean(process.stderr.isTTY),
  });
  let status: FinalStatus = 'unknown';
  let structured: { value: unknown } | undefined;
  try {
    for await (const { event } of client.subscribe(runId, {
      after: options.after,
      signal: options.signal,
      onReconnect: ({ attempt }) => {
        if (attempt === 1) process.stderr.write('\n… connection lost, reconnecting\n');
      },
    })) {
      renderer.handle(event);
      status = finalStatusOfEvent(event) ?? status;
      if (event.type === 'tool.approval_requested' && options.decide) {
        renderer.stopSpinner();
        await decideAtTerminal(client, event);
      }
      if (event.type === 'run.completed') structured = { value: event.result.structuredOutput };
    }
  } finally {
    renderer.stopSpinner();
  }
  if (options.structuredOutput && status === 'completed') {
    // A final snapshot (the log expired) has no result: the run itself has it.
    structured ??= { value: (await client.get(runId)).result?.structuredOutput };
    process.stdout.write(`${JSON.stringify(structured.value ?? null, null, 2)}\n`);
  }
  return status;
}

/** `approve calculator({...})? [y/N]`: anything but y or yes denies. Someone else deciding first is said, not an error. */
async function decideAtTerminal(client: ReturnType<typeof createClient>, event: RunEventOf<'tool.approval_requested'>): Promise<void> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  let answer: string;
  try {
    answer = await prompt.question(`approve ${event.name}(${JSON.stringify(event.arguments)})? [y/N] `);
  } finally {
    prompt.close();
  }
  const approve = /^\s*y(es)?\s*$/i.test(answer);
  try {
    await client.approve(event.runId, event.callId, approve ? { approve } : { approve, reason: 'denied at the terminal' });
  } catch (error) {
    if (!(error instanceof RunstreamApiError) || (error.status !== 409 && error.status !== 404)) throw error;
    process.stderr.write(`(not decided here: ${error.message})\n`);
  }
}
