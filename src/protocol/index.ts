/**
 * The run-event protocol, as `runstream/events` exports it: the event union and
 * its schemas, the event types and statuses as data, stream ids, SSE framing,
 * parsing that tolerates newer event types, and the reducer `foldRun`.
 * Browser-safe: it depends on zod and eventsource-parser only.
 */
export * from './events.js';
export * from './event-parts.js';
export * from './event-types.js';
export * from './messages.js';
export * from './stream-id.js';
export * from './sse.js';
export * from './parse-event.js';
export * from './run-view.js';
export { foldRun, addUsage } from './fold-run.js';
export { foldStep } from './fold-step.js';
export { stepsFromTranscript } from './transcript-steps.js';
export { emptyThreadView, foldThread, threadStatuses, type ThreadStatus, type ThreadView } from './fold-thread.js';
