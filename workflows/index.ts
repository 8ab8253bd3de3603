export { agentRun } from './agent-run.js';
