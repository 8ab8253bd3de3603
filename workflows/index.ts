export { agentRun } from './agent-run.js';
export { thread } from './thread.js';
export { webhookDelivery } from './webhook-delivery.js';
