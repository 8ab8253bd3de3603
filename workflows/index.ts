export { agentRun } from './agent-run.js';
export { thread } from './thread.js';
