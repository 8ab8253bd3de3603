import { useEffect, useRef } from 'react';
import { useRun, type StepView, type ToolCallView } from 'runstream/react';
import { renewTicket, type RunTicket } from './backend.ts';

let renewals = 0;

/** One run, live: each step's reasoning, text and tool calls, the usage and the status. */
export function RunPanel({ ticket }: { ticket: RunTicket }) {
  const run = useRun({
    url: ticket.apiUrl,
    runId: ticket.runId,
    token: ticket.viewerToken,
    tokenExpiresAt: ticket.expiresAt,
    // Called before the token expires: the backend hands out a fresh one.
    renewToken: async (runId) => {
      const fresh = await renewTicket(runId);
      document.body.dataset.renewals = String(++renewals);
      return { token: fresh.viewerToken, expiresAt: fresh.expiresAt };
    },
  });

  // For the example's test (and curiosity): how often this panel rendered.
  const renders = useRef(0);
  renders.current++;
  useEffect(() => {
    document.body.dataset.status = run.status;
    document.body.dataset.connection = run.reconnecting ? 'reconnecting' : 'live';
    document.body.dataset.renders = String(renders.current);
  });

  return (
    <section className="run" data-run={run.runId}>
      <p className="status">
        {run.status}
        {run.reconnecting && <span className="reconnecting"> · reconnecting…</span>}
        {run.streamError && <span className="problem"> · {run.streamError.message}</span>}
      </p>
      {run.steps.map((step) => (
        <Step key={step.step} step={step} />
      ))}
      {run.error && <p className="problem">failed: {run.error.message}</p>}
      <p className="usage">
        {run.usage.inputTokens} tokens in / {run.usage.outputTokens} out
      </p>
    </section>
  );
}

function Step({ step }: { step: StepView }) {
  return (
    <article className="step" data-step={step.step}>
      {step.reasoning.map((block) => (
        <details key={block.blockId} className="reasoning">
          <summary>reasoning{block.finished ? '' : '…'}</summary>
          <p>{block.redacted ? '(withheld by the provider)' : block.text}</p>
        </details>
      ))}
      {step.retrying && <p className="note">retrying: {step.retrying.error.message}</p>}
      <p className="text">{step.text}</p>
      {step.toolCalls.map((call) => (
        <ToolCall key={call.callId} call={call} />
      ))}
    </article>
  );
}

function ToolCall({ call }: { call: ToolCallView }) {
  const args = call.arguments === undefined ? call.argumentsText : JSON.stringify(call.arguments);
  return (
    <div className="tool-call" data-state={call.state}>
      <code className="tool-name">{call.name}</code>(<code className="tool-args">{args}</code>)
      {call.approval?.state === 'pending' && <span className="approval"> waiting for approval</span>}
      {call.progress !== undefined && call.state === 'running' && <span className="progress"> {JSON.stringify(call.progress)}</span>}
      {call.result !== undefined && <pre className="tool-result">{JSON.stringify(call.result)}</pre>}
    </div>
  );
}
