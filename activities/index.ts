import type { ActivityDependencies } from './dependencies.js';
import { createModelStep } from './model-step.js';
import { createPublishRunEvent } from './publish-run-event.js';
import { createPublishThreadEvent } from './publish-thread-event.js';
import { createRecoverStep } from './recover-step.js';
import { createToolCall } from './tool-call.js';

export type { ActivityDependencies } from './dependencies.js';
export type { ModelStepInput } from './model-step.js';
export type { PublishRunEventInput } from './publish-run-event.js';
export type { PublishThreadEventInput } from './publish-thread-event.js';
export type { RecoverStepInput } from './recover-step.js';
export type { ToolCallInput } from './tool-call.js';

/** All I/O of a run. Workflows type these with `ReturnType<typeof createActivities>`. */
export function createActivities(deps: ActivityDependencies) {
  return {
    modelStep: createModelStep(deps),
    toolCall: createToolCall(deps),
    publishRunEvent: createPublishRunEvent(deps),
    recoverStep: createRecoverStep(deps),
    publishThreadEvent: createPublishThreadEvent(deps),
  };
}
