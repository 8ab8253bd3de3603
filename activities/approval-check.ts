import type { StoredRef } from '../src/blobs/transcript-ref.js';
import type { ToolCall } from '../src/protocol/messages.js';
import type { ActivityDependencies } from './dependencies.js';
import { openPublisher, settlePublisher } from './publishing.js';

export interface ApprovalCheckInput {
  runId: string;
  step: number;
  /** The call with its arguments (transcript kept inline), or its id and name with `from` (kept by ref). */
  call: ToolCall | { callId: string; name: string };
  /** The stored assistant message that made the call. */
  from?: StoredRef | undefined;
  /** The run's `requireApproval` names this tool (or says "all"): the call waits whatever the tool says. */
  required: boolean;
  /** When the wait ends as denied; computed by the workflow, so it is the same on every replay. */
  expiresAt: string;
}

/** `needed`: the call waits, and `tool.approval_requested` was published with these arguments. */
export type ApprovalCheck = { needed: false } | { needed: true; arguments: unknown };

export function createApprovalCheck(deps: ActivityDependencies) {
  /**
   * Decides in the worker whether a call waits for a person: the run's
   * `requireApproval`, else the tool's `needsApproval` (a function of the
   * validated arguments runs here, never in the workflow). A call whose
   * arguments the tool would refuse does not wait: it will not run anyway.
   * Publishes the request once across retries, before the workflow waits.
   */
  return async function checkApproval(input: ApprovalCheckInput): Promise<ApprovalCheck> {
    const call = await fullCall(deps, input);
    const tool = deps.tools.get(call.name);
    if (!tool || call.argumentsText !== undefined) return { needed: false };
    const parsed = tool.parse(call.arguments);
    if (!parsed.ok) return { needed: false };
    const needed = input.required || (tool.requiresApproval ? await tool.requiresApproval(parsed.value) : tool.needsApproval);
    if (!needed) return { needed: false };
    const publisher = openPublisher(deps, input.runId, { perAttempt: false });
    publisher.publish({
      type: 'tool.approval_requested',
      step: input.step,
      callId: call.callId,
      name: call.name,
      arguments: call.arguments,
      expiresAt: input.expiresAt,
    });
    await settlePublisher(deps, publisher);
    return { needed: true, arguments: call.arguments };
  };
}

async function fullCall(deps: ActivityDependencies, input: ApprovalCheckInput): Promise<ToolCall> {
  if (!input.from) return { arguments: undefined, ...input.call };
  const message = await deps.transcripts.getMessage(input.from.ref);
  const call = message.role === 'assistant' ? message.toolCalls?.find((candidate) => candidate.callId === input.call.callId) : undefined;
  if (!call) throw new Error(`tool call ${input.call.callId} is not in message ${input.from.ref}`);
  return call;
}
