import { createRequire } from 'node:module';
import type { Tracer } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';

/**
 * OpenTelemetry, on only when asked: the standard OTEL_EXPORTER_OTLP_ENDPOINT
 * (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, or a program calls
 * `startTracing` itself. Off, nothing of the SDK is loaded and no interceptor
 * is installed: a run costs what it did before.
 */
export interface Tracing {
  tracer: Tracer;
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** The API's Temporal client: starts (and signals, queries) carry the request's trace context to the workflow. */
  clientInterceptors: WorkflowClientInterceptor[];
  /** The worker's activities run under the span of the workflow that scheduled them. */
  activityInterceptors: ActivityInterceptorsFactory[];
  /** Workflow spans leave the sandbox through this sink. */
  sinks: InjectedSinks<Record<string, never>>;
  /** Flushes and stops the exporter. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** The tracing of this process, when on. */
export const tracing = (): Tracing | undefined => active;

export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** The workflow interceptors module: bundled into the workflow code when tracing is on (a prebuilt bundle must include it). */
export const workflowTracingModule = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/**
 * Installs a tracer provider for this process (once). Spans go to
 * `spanProcessor` when given (tests: an in-memory exporter), else in batches
 * to the OTLP endpoint the standard OTEL_* variables name (protobuf over HTTP).
 */
export async function startTracing(options: { serviceName: string; spanProcessor?: SpanProcessor }): Promise<Tracing> {
  if (active) return active;
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { Resource }, otel, interceptors] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/api'),
    import('@temporalio/interceptors-opentelemetry'),
  ]);
  let spanProcessor = options.spanProcessor;
  if (!spanProcessor) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  }
  const resource = new Resource({ 'service.name': process.env.OTEL_SERVICE_NAME ?? options.serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // The AsyncLocalStorage context manager and W3C trace-context propagation, process-wide.
  provider.register();
  const tracer = otel.trace.getTracer('runstream');
  const processor = spanProcessor;
  active = {
    tracer,
    resource,
    spanProcessor: processor,
    clientInterceptors: [new interceptors.OpenTelemetryWorkflowClientInterceptor()],
    activityInterceptors: [
      (context) => ({
        inbound: new interceptors.OpenTelemetryActivityInboundInterceptor(context),
        outbound: new interceptors.OpenTelemetryActivityOutboundInterceptor(context),
      }),
    ],
    sinks: { exporter: interceptors.makeWorkflowExporter(processor, resource) } as unknown as InjectedSinks<Record<string, never>>,
    shutdown: async () => {
      await provider.shutdown();
      active = undefined;
    },
  };
  return active;
}
