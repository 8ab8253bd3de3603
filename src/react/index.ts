/**
 * `runstream/react`: hooks that show a run live in a React app, with only the
 * run's viewer token in the browser. React is a peer dependency.
 */
export { useRun, type UseRunOptions } from './use-run.js';
export { RunStore, type RunState, type RunStoreOptions } from './run-store.js';
export type { ViewerTokenGrant } from './view-token.js';
export type { ApprovalView, PendingApproval, ReasoningView, RunView, StepView, ToolCallView } from '../protocol/index.js';
