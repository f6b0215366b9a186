// A preload (`node --import`) for the tracing end-to-end test: registers an OpenTelemetry SDK in the
// thread that loads it (node applies --import to worker threads too) whose exporter appends every
// finished span as one JSON line to the file named by $SLUICE_TEST_SPANS.
import { appendFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';

export interface ExportedSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly attributes: Record<string, unknown>;
  readonly mainThread: boolean;
}

const file = process.env.SLUICE_TEST_SPANS;

function line(span: ReadableSpan): string {
  const exported: ExportedSpan = {
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: { ...span.attributes },
    mainThread: isMainThread,
  };
  return `${JSON.stringify(exported)}\n`;
}

const exporter: SpanExporter = {
  export(spans, done) {
    for (const span of spans) appendFileSync(file!, line(span));
    done({ code: 0 });
  },
  shutdown: async () => undefined,
};

if (file !== undefined) trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
