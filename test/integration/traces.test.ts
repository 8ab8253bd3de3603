import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTracing, type Tracing } from '../../src/observability/tracing.js';
import { workflowTracingModule } from '../../src/observability/tracing.js';
import { workflowsPath } from '../../src/temporal.js';
import { registerScript, startTestStack, type TestStack } from '../support/test-stack.js';

const quiet = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} };

describe('OpenTelemetry: one trace from the API request to the provider call and the tool', () => {
  const exporter = new InMemorySpanExporter();
  let traced: Tracing;
  let stack: TestStack;
  beforeAll(async () => {
    // Before the API's Temporal client and the worker exist: both pick tracing up when they are created.
    traced = await startTracing({ serviceName: 'runstream-test', spanProcessor: new SimpleSpanProcessor(exporter) });
    const bundle = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [workflowTracingModule], logger: quiet });
    stack = await startTestStack('traces', { worker: { workflowBundle: bundle } });
  });
  afterAll(async () => {
    await stack?.stop();
    await traced?.shutdown();
  });

  it('has API, workflow start, workflow, model step, provider call and tool spans under one trace id', async () => {
    const model = await registerScript({ turns: [{ text: 'Computing.', toolCalls: [{ name: 'calculator', arguments: { expression: '6*7' } }] }, { text: 'It is 42.' }] });
    const run = await stack.client.enqueue({ input: 'What is 6*7?', model: `openai:${model}`, tools: ['calculator'] });
    const spans = await vi.waitFor(
      () => {
        const api = exporter.getFinishedSpans().find((span) => span.name === 'POST /v1/runs');
        expect(api).toBeDefined();
        const trace = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === api!.spanContext().traceId);
        // The workflow span ends with the run, after both model steps, the tool and the provider calls.
        expect(trace.map((span) => span.name)).toContain('RunWorkflow:agentRun');
        return trace;
      },
      { timeout: 60_000, interval: 200 },
    );
    expect((await stack.client.get(run.id)).status).toBe('completed');
    const named = (name: string) => spans.filter((span) => span.name === name);
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    const parentOf = (span: ReadableSpan) => byId.get(span.parentSpanId ?? '');
    const api = named('POST /v1/runs')[0]!;
    const start = named('StartWorkflow:agentRun')[0];
    const workflow = named('RunWorkflow:agentRun')[0];
    expect(start && parentOf(start)).toBe(api);
    expect(workflow && parentOf(workflow)).toBe(start);
    const steps = named('RunActivity:modelStep');
    const providerCalls = named('POST openai');
    const tools = named('RunActivity:toolCall');
    expect(steps).toHaveLength(2);
    expect(providerCalls).toHaveLength(2);
    expect(tools).toHaveLength(1);
    // Each provider call sits under a model step; steps and the tool under the workflow (through their StartActivity spans).
    for (const call of providerCalls) expect(parentOf(call)?.name).toBe('RunActivity:modelStep');
    expect(providerCalls[0]!.attributes['gen_ai.request.model']).toBe(model);
    const ancestors = (span: ReadableSpan): string[] => {
      const names: string[] = [];
      for (let current = parentOf(span); current; current = parentOf(current)) names.push(current.name);
      return names;
    };
    for (const span of [...steps, ...tools]) expect(ancestors(span)).toEqual(expect.arrayContaining(['RunWorkflow:agentRun', 'StartWorkflow:agentRun', 'POST /v1/runs']));
    console.info(`trace ${api.spanContext().traceId}: ${spans.length} spans: ${[...new Set(spans.map((span) => span.name))].join(', ')}`);
  });
});
