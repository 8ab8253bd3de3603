import type { createClient } from '../client/index.js';
import { finalStatusOfEvent, type FinalRunStatus } from '../protocol/index.js';
import { RunRenderer } from './render-run.js';

/** How a followed run ended; `unknown` when the stream stopped before its final event. */
export type FinalStatus = FinalRunStatus | 'unknown';

export const exitCodeFor: Record<FinalStatus, number> = { completed: 0, failed: 1, cancelled: 3, unknown: 4 };

/** Streams a run to the terminal until its final event; returns how it ended. */
export async function followRunInTerminal(
  client: ReturnType<typeof createClient>,
  runId: string,
  options: { after?: string | undefined; signal?: AbortSignal | undefined; structuredOutput?: boolean } = {},
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
