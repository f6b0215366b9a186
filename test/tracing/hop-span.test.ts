// Sluice's span with an SDK registered (the OTel in-memory exporter): SERVER kind, the incoming span
// as parent, the span id the endpoint receives, and the HTTP semantic-convention attributes. Without
// an SDK, registeredTracer finds nothing and no span is made.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { OutgoingHttpHeaders } from 'node:http2';
import t from 'tap';
import { seededRandom } from '../../src/balancing/random.js';
import type { TracingSnapshot } from '../../src/snapshot.js';
import { registeredTracer, type SpanRequest } from '../../src/tracing/hop-span.js';
import { setTraceFields } from '../../src/tracing/trace-fields.js';
import { TraceHop } from '../../src/tracing/trace-hop.js';
import { TraceIdSource } from '../../src/tracing/trace-ids.js';
import { compileTracing } from '../../src/tracing/tracing-runtime.js';

const T128 = '463ac35c9f6413ad48485a3953bb6124';
const T64 = 'a3ce929d0e0e4736';
const S = 'a2fb4a1d1a96d312';

const SNAPSHOT: TracingSnapshot = { enabled: true, sampleRate: 1, propagation: ['b3multi', 'w3c'], requestId: { preserve: true, generate: true } };
const deps = { ids: new TraceIdSource(), random: seededRandom(1), uuid: () => 'id-1', tracer: registeredTracer };

const REQUEST: SpanRequest = {
  method: 'GET', target: '/api/items?page=2', scheme: 'http', host: 'shop.example.com:8080', protocolVersion: '1.1',
  clientAddress: '10.1.2.3', route: '/api', cluster: 'api',
};
const PEER = { host: '127.0.0.1', port: 9001 };

t.test('no SDK registered: no tracer, so no span work', async (t) => {
  t.equal(registeredTracer(), undefined);
  t.equal(compileTracing(SNAPSHOT, deps).tracer, undefined);
});

t.test('with an SDK', async (t) => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  t.ok(trace.setGlobalTracerProvider(provider));
  t.teardown(() => trace.disable());
  const tracing = compileTracing(SNAPSHOT, deps);
  t.not(tracing.tracer, undefined, 'the registered tracer is found at compile');
  const finished = (): ReadableSpan[] => exporter.getFinishedSpans();

  /** Decides for `incoming`, starts and ends the span (a local reply: with no endpoint); returns what the endpoint got and the span. */
  function run(incoming: Record<string, string>, status: number, resends = 0, localReply = false): { sent: OutgoingHttpHeaders; span: ReadableSpan } {
    exporter.reset();
    const hop = new TraceHop();
    Object.assign(hop.values, { b3: undefined, traceId: undefined, spanId: undefined, parentSpanId: undefined, sampled: undefined, flags: undefined, traceparent: undefined, tracestate: undefined, requestId: undefined }, incoming);
    hop.decide(tracing);
    t.ok(hop.wantsSpan(tracing));
    hop.startSpan(tracing, REQUEST);
    const sent: OutgoingHttpHeaders = {};
    setTraceFields(sent, hop, tracing);
    const peer = localReply ? undefined : PEER;
    hop.end(status, resends, peer);
    hop.end(status, resends, peer); // a second end is a no-op
    t.equal(finished().length, 1, 'one span per request');
    return { sent, span: finished()[0]! };
  }

  t.test('continues an incoming B3 trace: the upstream parent is the exported span', async (t) => {
    const { sent, span } = run({ traceId: T128, spanId: S, sampled: '1' }, 200, 1);
    t.equal(span.kind, SpanKind.SERVER);
    t.equal(span.name, 'GET /api');
    t.equal(span.spanContext().traceId, T128, 'trace kept');
    t.equal(span.parentSpanContext?.spanId, S, 'parent is the incoming span');
    t.equal(span.parentSpanContext?.isRemote, true);
    t.equal(sent['x-b3-spanid'], span.spanContext().spanId, 'the endpoint gets the span id the SDK recorded');
    t.equal(sent['x-b3-parentspanid'], S);
    t.equal(sent['x-b3-traceid'], T128);
    t.equal(sent.traceparent, `00-${T128}-${span.spanContext().spanId}-01`);
    t.same(span.attributes, {
      'http.request.method': 'GET',
      'url.path': '/api/items',
      'url.query': 'page=2',
      'url.scheme': 'http',
      'network.protocol.name': 'http',
      'network.protocol.version': '1.1',
      'client.address': '10.1.2.3',
      'server.address': 'shop.example.com',
      'http.route': '/api',
      'sluice.cluster': 'api',
      'network.peer.address': '127.0.0.1',
      'network.peer.port': 9001,
      'http.response.status_code': 200,
      'http.request.resend_count': 1,
    });
    t.equal(span.status.code, SpanStatusCode.UNSET);
  });

  t.test('a 64-bit B3 trace: the span pads it, the endpoint keeps the 16 digits', async (t) => {
    const { sent, span } = run({ b3: `${T64}-${S}-1` }, 502);
    t.equal(span.spanContext().traceId, `0000000000000000${T64}`);
    t.equal(sent['x-b3-traceid'], T64);
    t.equal(span.status.code, SpanStatusCode.ERROR, '5xx: an error');
    t.equal(span.attributes['error.type'], '502');
  });

  t.test('a trace Sluice starts: the root span ids are the ones sent', async (t) => {
    const { sent, span } = run({}, 404, 0, true);
    t.equal(span.parentSpanContext, undefined, 'root span');
    t.notOk('network.peer.address' in span.attributes || 'network.peer.port' in span.attributes, 'a local reply: no endpoint, no peer');
    t.notOk('http.request.resend_count' in span.attributes, 'no retries: no resend count');
    t.equal(sent['x-b3-traceid'], span.spanContext().traceId);
    t.equal(sent['x-b3-spanid'], span.spanContext().spanId);
    t.notOk('x-b3-parentspanid' in sent);
    t.equal(span.status.code, SpanStatusCode.UNSET, '4xx is not a server error');
  });

  t.test('W3C parent with tracestate', async (t) => {
    const { span } = run({ traceparent: `00-${T128}-${S}-01`, tracestate: 'congo=t61rcWkgMzE' }, 200);
    t.equal(span.parentSpanContext?.spanId, S);
    t.equal(span.parentSpanContext?.traceState?.get('congo'), 't61rcWkgMzE');
  });

  t.test('not sampled: no span', async (t) => {
    exporter.reset();
    const hop = new TraceHop();
    hop.values.clear();
    hop.values.b3 = '0';
    hop.decide(tracing);
    t.notOk(hop.wantsSpan(tracing));
    hop.end(200, 0, PEER);
    t.equal(finished().length, 0);
  });
});
