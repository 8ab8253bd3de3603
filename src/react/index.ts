/**
 * `runstream/react`: hooks that show a run or a thread live in a React app,
 * with only a viewer token in the browser. React is a peer dependency.
 */
export { useRun, useThread, type UseRunOptions, type UseThreadOptions } from './hooks.js';
export { RunStore, type RunState, type RunStoreOptions } from './run-store.js';
export { ThreadStore, type ThreadState, type ThreadStoreOptions } from './thread-store.js';
export { StreamStore, type StreamState, type StreamStoreOptions } from './stream-store.js';
export type { ViewerTokenGrant } from './view-token.js';
export type { ApprovalView, PendingApproval, ReasoningView, RunView, StepView, ThreadView, ToolCallView } from '../protocol/index.js';
