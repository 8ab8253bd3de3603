import type { createClient } from '../client/index.js';
import { RunRenderer } from './render-run.js';

export type FinalStatus = 'completed' | 'failed' | 'cancelled' | 'unknown';

export const exitCodeFor: Record<FinalStatus, number> = { completed: 0, failed: 1, cancelled: 3, unknown: 4 };

/** Streams a run to the terminal until its final event; returns how it ended. */
export async function followRunInTerminal(
  client: ReturnType<typeof createClient>,
  runId: string,
  options: { after?: string; signal?: AbortSignal } = {},
): Promise<FinalStatus> {
  const renderer = new RunRenderer({
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    interactive: Boolean(process.stderr.isTTY),
  });
  let status: FinalStatus = 'unknown';
  try {
    for await (const { event } of client.subscribe(runId, {
      ...(options.after ? { after: options.after } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onReconnect: ({ attempt }) => {
        if (attempt === 1) process.stderr.write('\n… connection lost, reconnecting\n');
      },
    })) {
      renderer.handle(event);
      if (event.type === 'run.completed') status = 'completed';
      if (event.type === 'run.failed') status = 'failed';
      if (event.type === 'run.cancelled') status = 'cancelled';
      if (event.type === 'snapshot' && ['completed', 'failed', 'cancelled'].includes(event.status)) status = event.status as FinalStatus;
    }
  } finally {
    renderer.stopSpinner();
  }
  return status;
}
