import { createInterface } from 'node:readline';
import type { createClient, Thread } from '../client/index.js';
import { followRunInTerminal } from './follow.js';

export interface ChatOptions {
  agent?: string | undefined;
  model?: string | undefined;
  tools?: string[] | undefined;
  /** Carry on an existing thread instead of starting one. */
  thread?: string | undefined;
}

/**
 * `runstream chat`: a conversation over a thread. Each line is a turn; the
 * answer streams to stdout, progress to stderr. Ctrl-C cancels the answer in
 * progress (that turn's run) and the conversation goes on; Ctrl-C at the
 * prompt, or end of input, leaves. The thread stays open, to be continued
 * with --thread.
 */
export async function chat(client: ReturnType<typeof createClient>, options: ChatOptions): Promise<number> {
  const thread: Thread = options.thread
    ? client.threads.open(options.thread)
    : await client.threads.create({ agent: options.agent, model: options.model, tools: options.tools });
  if (options.thread) await thread.get(); // an unknown thread fails here, before the first prompt
  const interactive = Boolean(process.stdin.isTTY);
  process.stderr.write(`thread ${thread.id} — ${interactive ? 'Ctrl-C cancels an answer, Ctrl-D leaves' : 'one turn per line'}\n`);
  if (thread.viewerUrl) process.stderr.write(`watch it in a browser: ${thread.viewerUrl}\n`);
  const lines = createInterface({ input: process.stdin, output: interactive ? process.stderr : undefined, prompt: '> ', terminal: interactive });

  let current: { runId: string; cancelled: boolean } | undefined;
  const interrupt = () => {
    if (!current) {
      lines.close();
      return;
    }
    if (current.cancelled) return;
    current.cancelled = true;
    process.stderr.write('\n… cancelling this answer; the thread goes on\n');
    void client.cancel(current.runId).catch((error: unknown) => process.stderr.write(`cancel failed: ${String(error)}\n`));
  };
  lines.on('SIGINT', interrupt); // a terminal's Ctrl-C
  process.on('SIGINT', interrupt); // a signal from elsewhere (non-interactive input)

  let failed = false;
  try {
    if (interactive) lines.prompt();
    for await (const line of lines) {
      const input = line.trim();
      if (input === '/exit') break;
      if (input) {
        const { runId } = await thread.send(input);
        current = { runId, cancelled: false };
        const status = await followRunInTerminal(client, runId);
        current = undefined;
        if (status === 'failed') failed = true;
        process.stdout.write('\n');
      }
      if (interactive) lines.prompt();
    }
  } finally {
    process.off('SIGINT', interrupt);
    lines.close();
  }
  process.stderr.write(`carry on with: runstream chat --thread ${thread.id}\n`);
  return failed ? 1 : 0;
}
