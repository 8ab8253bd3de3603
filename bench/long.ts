import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentRunInput } from '../workflows/run-input.js';
import { historySizes } from '../test/support/history-size.js';
import { startBenchServers } from './support/bench-stack.js';
import { startRole } from './support/role-process.js';

/**
 * Long runs: history bytes and wall time per step for runs of 10, 100 and
 * 1,000 steps (each step ~1 KB of text and a tool call), the transcript kept
 * in the blob store by reference against the design before it (the whole
 * transcript in workflow state and in every step's input, kept reachable
 * for this comparison as `transcriptMode: 'inline'`). Both on one worker,
 * interleaved, in one run. `--steps 10,100,1000` and `--text 1000` change the sizes.
 */
export default async function longBench(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 && args[index + 1] ? args[index + 1]! : fallback;
  };
  const sizes = option('steps', '10,100,1000').split(',').map(Number);
  const textChars = Number(option('text', '1000'));

  const servers = await startBenchServers('long');
  const worker = await startRole('worker', { env: { ...servers.env, RUNSTREAM_BLOB_DIR: join(mkdtempSync(join(tmpdir(), 'runstream-bench-blobs-')), 'blobs') } });
  const model = `long-${randomBytes(4).toString('hex')}`;
  const script = { turns: [{ fillText: textChars, chunkSize: 200, toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }] };
  const registered = await fetch(`${String(servers.model.ready.url)}/__scripts/${model}`, { method: 'PUT', body: JSON.stringify(script) });
  if (!registered.ok) throw new Error(`registering the script failed: ${await registered.text()}`);

  const measure = async (steps: number, mode: 'inline' | 'reference') => {
    const workflowId = `run_long${mode}${steps}${randomBytes(4).toString('hex')}`;
    const input: AgentRunInput = {
      model: `openai:${model}`,
      messages: [{ role: 'user', content: 'Take notes, one tool call per step.' }],
      tools: ['calculator'],
      maxSteps: steps,
      ...(mode === 'inline' ? { transcriptMode: 'inline' as const } : {}),
    };
    const started = performance.now();
    const handle = await servers.client.workflow.start('agentRun', { workflowId, taskQueue: servers.env.RUNSTREAM_TASK_QUEUE!, args: [input] });
    await handle.result();
    const ms = performance.now() - started;
    const sizes = await historySizes(servers.client, workflowId);
    return { historyBytes: sizes.totalBytes, largestEvent: sizes.largestEvent, executions: sizes.executions, msPerStep: ms / steps };
  };

  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`each step: ${textChars} characters of text and one tool call; inline = whole transcript in workflow state and every step's input (before); reference = blob store`);
  console.log('| steps | history inline | history by reference | inline ÷ reference | largest event inline / reference | executions inline / reference | ms per step inline | ms per step by reference | inline ÷ reference |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  try {
    // A warm-up pair, so neither mode pays for the worker's first workflow bundle and connections.
    await measure(3, 'reference');
    await measure(3, 'inline');
    for (const [round, steps] of sizes.entries()) {
      // Interleaved, the order alternating, so load on the machine falls on both modes alike.
      const order: ('inline' | 'reference')[] = round % 2 ? ['reference', 'inline'] : ['inline', 'reference'];
      const results = new Map<string, Awaited<ReturnType<typeof measure>>>();
      for (const mode of order) {
        try {
          results.set(mode, await measure(steps, mode));
        } catch (error) {
          // Said here: stopping the servers afterwards can end the process before the error is printed.
          console.error(`${steps} steps, ${mode}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          throw error;
        }
      }
      const inline = results.get('inline')!;
      const reference = results.get('reference')!;
      console.log(
        `| ${steps} | ${kb(inline.historyBytes)} | ${kb(reference.historyBytes)} | ${(inline.historyBytes / reference.historyBytes).toFixed(2)} | ${kb(inline.largestEvent)} / ${kb(reference.largestEvent)} | ${inline.executions} / ${reference.executions} | ${inline.msPerStep.toFixed(1)} | ${reference.msPerStep.toFixed(1)} | ${(inline.msPerStep / reference.msPerStep).toFixed(2)} |`,
      );
    }
  } finally {
    await worker.stop();
    await servers.stop();
  }
}
