import type { TranscriptStore } from '../src/blobs/transcript-store.js';
import type { RunLog } from '../src/bus/run-log.js';
import type { ModelResolver } from '../src/models.js';
import type { StreamTimeouts } from '../src/providers/language-model.js';
import type { ToolRegistry } from '../src/tools/tool-registry.js';
import type { WebhookHosts } from '../src/webhooks/webhook-hosts.js';
import type { CheckpointSettings } from './checkpoint.js';

/** What activities need from the worker process; injected so tests can build their own. */
export interface ActivityDependencies {
  log: RunLog;
  resolveModel: ModelResolver;
  tools: ToolRegistry;
  /** Where transcripts, large messages and tool results live (the workflow holds refs). */
  transcripts: TranscriptStore;
  timeouts?: Partial<StreamTimeouts>;
  /** How long a finishing activity waits for Redis before leaving its events to the transcript. */
  publishFlushTimeoutMs?: number;
  /** How often and how large model-step checkpoints are (defaults: 1 s or 2 KB; offsets only past 128 K chars). */
  checkpoint?: Partial<CheckpointSettings>;
  /**
   * Aborted when this worker begins a graceful shutdown (SIGTERM): a streaming
   * model step checkpoints and hands over to another worker at once instead of
   * holding the shutdown until its stream ends.
   */
  handover?: AbortSignal;
  /** Cancel requests announced through Redis: a step of that run heartbeats at once to learn it from Temporal. */
  cancelNotices?: { watch(runId: string, notify: () => void): () => void };
  /** Signing key (RUNSTREAM_WEBHOOK_SECRET) and allowed hosts (RUNSTREAM_WEBHOOK_HOSTS) for webhook deliveries. */
  webhooks?: { key: Buffer | undefined; hosts: WebhookHosts };
}
