import { proxyActivities, sleep } from '@temporalio/workflow';
import { WorkflowStream } from '@temporalio/workflow-streams/workflow';
import type { createPeerActivities, PeerInput } from './peer-activities.js';

/**
 * The peer, as Temporal's workflow-streams sample builds LLM streaming: the
 * workflow hosts a WorkflowStream, one activity streams the completion into
 * it by signals, and the run stays open briefly so subscribers' next poll
 * delivers the final `complete` item.
 */

const { streamCompletion } = proxyActivities<ReturnType<typeof createPeerActivities>>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3 },
});

export async function peerStreaming(input: PeerInput): Promise<number> {
  // First statement, so the publish signal's handler exists before the activity publishes.
  new WorkflowStream();
  const length = await streamCompletion(input);
  await sleep('500 milliseconds');
  return length;
}
