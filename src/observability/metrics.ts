import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every runstream metric, in one registry per process (not prom-client's
 * global one, so an embedding application's own metrics never clash with
 * these). `runstream dev` runs the API and the worker in one process: both
 * record here, and its `/metrics` shows both.
 *
 * Labels are bounded: never a run id; model and tool names are capped (see
 * `boundedLabel`), everything else is a fixed set.
 */
export const registry = new Registry();

const seconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const longSeconds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export const runOutcomes = ['started', 'completed', 'failed', 'cancelled'] as const;
export type RunOutcome = (typeof runOutcomes)[number];

export const runsTotal = new Counter({
  name: 'runstream_runs_total',
  help: 'Runs that started, completed, failed or were cancelled, by model (counted where the lifecycle event is published)',
  labelNames: ['outcome', 'model'] as const,
  registers: [registry],
});

export const sseViewers = new Gauge({
  name: 'runstream_sse_viewers',
  help: 'Event streams (SSE viewers) open on this API process',
  registers: [registry],
});

export const sseViewersCutOff = new Counter({
  name: 'runstream_sse_viewers_cut_off_total',
  help: 'Viewers disconnected for falling too far behind (they resume with Last-Event-ID)',
  registers: [registry],
});

export const eventsRelayed = new Counter({
  name: 'runstream_events_relayed_total',
  help: 'Events written to SSE viewers (one per event per viewer), replayed or live',
  labelNames: ['source'] as const,
  registers: [registry],
});

export const relayLatency = new Histogram({
  name: 'runstream_relay_latency_seconds',
  help: "Live events: the publisher's event time to the SSE write, per viewer",
  buckets: seconds,
  registers: [registry],
});

export const eventsPublished = new Counter({
  name: 'runstream_events_published_total',
  help: "Events appended to runs' logs by this process",
  registers: [registry],
});

export const publisherDropped = new Counter({
  name: 'runstream_publisher_events_dropped_total',
  help: 'Deltas shed from a full publisher buffer while Redis was away (the transcript keeps them)',
  registers: [registry],
});

export const gapMarkers = new Counter({
  name: 'runstream_log_gap_markers_total',
  help: "Runs whose log lost events and was given a gap marker (late viewers get a snapshot)",
  registers: [registry],
});

export const redisReconnects = new Counter({
  name: 'runstream_redis_reconnects_total',
  help: 'Redis connections lost and retried, by connection role',
  labelNames: ['role'] as const,
  registers: [registry],
});

export const providerErrors = new Counter({
  name: 'runstream_provider_errors_total',
  help: 'Model-step attempts that failed with a classified provider error, by provider and kind',
  labelNames: ['provider', 'kind'] as const,
  registers: [registry],
});

export const modelStepFirstToken = new Histogram({
  name: 'runstream_model_step_first_token_seconds',
  help: 'Model-step attempts: start to the first streamed text, reasoning or tool call',
  labelNames: ['model'] as const,
  buckets: longSeconds,
  registers: [registry],
});

export const modelStepDuration = new Histogram({
  name: 'runstream_model_step_duration_seconds',
  help: 'Model-step attempts, start to end, by model and outcome',
  labelNames: ['model', 'outcome'] as const,
  buckets: longSeconds,
  registers: [registry],
});

export const toolDuration = new Histogram({
  name: 'runstream_tool_duration_seconds',
  help: 'Tool-call attempts, start to end, by tool and outcome',
  labelNames: ['tool', 'outcome'] as const,
  buckets: longSeconds,
  registers: [registry],
});

export const rateLimitRejections = new Counter({
  name: 'runstream_rate_limit_rejections_total',
  help: 'POST /v1/runs refused by a per-key limit',
  labelNames: ['limit'] as const,
  registers: [registry],
});

export const httpRequests = new Counter({
  name: 'runstream_http_requests_total',
  help: 'API requests answered, by route and status class',
  labelNames: ['route', 'status'] as const,
  registers: [registry],
});

/** A gauge read when scraped (values other modules keep, or that are asked of a server). */
export function observedGauge(name: string, help: string, read: () => number | Promise<number>): Gauge {
  const existing = registry.getSingleMetric(name);
  if (existing) registry.removeSingleMetric(name);
  return new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      this.set(await read());
    },
  });
}

const maxDistinct = 50;
const seen = new Map<string, Set<string>>();
/**
 * A label value from an open set (model and tool names come from users): the
 * first 50 distinct values per label keep their name, later ones share
 * "other", so no input can grow the number of series without bound.
 */
export function boundedLabel(label: string, value: string): string {
  let values = seen.get(label);
  if (!values) seen.set(label, (values = new Set()));
  if (values.has(value)) return value;
  if (values.size >= maxDistinct) return 'other';
  values.add(value);
  return value;
}
