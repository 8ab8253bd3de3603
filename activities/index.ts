import type { ActivityDependencies } from './dependencies.js';
import { createAppendTranscript } from './append-transcript.js';
import { createApprovalCheck } from './approval-check.js';
import { createDeliverWebhook } from './deliver-webhook.js';
import { createModelStep, type ModelStepInput } from './model-step.js';
import { createPublishRunEvent } from './publish-run-event.js';
import { createPublishThreadEvent } from './publish-thread-event.js';
import { createRecoverStep } from './recover-step.js';
import { createToolCall, type ToolCallInput } from './tool-call.js';
import {
  isTranscriptStep,
  isTranscriptTool,
  transcriptModelStep,
  transcriptToolCall,
  type TranscriptStepInput,
  type TranscriptStepOutput,
  type TranscriptToolInput,
  type TranscriptToolOutput,
} from './transcript-steps.js';
import type { StepOutput, ToolMessage } from '../src/protocol/messages.js';

export type { ActivityDependencies } from './dependencies.js';
export type { AppendTranscriptInput } from './append-transcript.js';
export type { ApprovalCheck, ApprovalCheckInput } from './approval-check.js';
export type { DeliverWebhookInput } from './deliver-webhook.js';
export type { ModelStepInput } from './model-step.js';
export type { PublishRunEventInput } from './publish-run-event.js';
export type { PublishThreadEventInput } from './publish-thread-event.js';
export type { RecoverStepInput } from './recover-step.js';
export type { ToolCallInput } from './tool-call.js';
export type { HeldMessage } from '../src/blobs/held-messages.js';
export type { TranscriptStepInput, TranscriptStepOutput, TranscriptToolInput, TranscriptToolOutput } from './transcript-steps.js';

/** All I/O of a run. Workflows type these with `ReturnType<typeof createActivities>`. */
export function createActivities(deps: ActivityDependencies) {
  const plainModelStep = createModelStep(deps);
  const plainToolCall = createToolCall(deps);
  const byRefModelStep = transcriptModelStep(deps.transcripts, plainModelStep);
  const byRefToolCall = transcriptToolCall(deps.transcripts, plainToolCall);

  // One activity name for both forms: runs recorded with whole transcripts replay and finish unchanged.
  function modelStep(input: TranscriptStepInput): Promise<TranscriptStepOutput>;
  function modelStep(input: ModelStepInput): Promise<StepOutput>;
  function modelStep(input: ModelStepInput | TranscriptStepInput): Promise<StepOutput | TranscriptStepOutput> {
    return isTranscriptStep(input) ? byRefModelStep(input) : plainModelStep(input);
  }
  function toolCall(input: TranscriptToolInput): Promise<TranscriptToolOutput>;
  function toolCall(input: ToolCallInput): Promise<ToolMessage>;
  function toolCall(input: ToolCallInput | TranscriptToolInput): Promise<ToolMessage | TranscriptToolOutput> {
    return isTranscriptTool(input) ? byRefToolCall(input) : plainToolCall(input);
  }

  return {
    modelStep,
    toolCall,
    publishRunEvent: createPublishRunEvent(deps),
    recoverStep: createRecoverStep(deps),
    publishThreadEvent: createPublishThreadEvent(deps),
    appendTranscript: createAppendTranscript(deps),
    checkApproval: createApprovalCheck(deps),
    deliverWebhook: createDeliverWebhook(deps),
  };
}
