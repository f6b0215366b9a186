// The `tracing` block: defaults, every field read into the snapshot, and each problem with its path.
import t from 'tap';
import { buildSnapshot, validateConfig, type ConfigResult } from '../../src/config/index.js';
import { accepted, problemLines } from '../helpers/config-results.js';

function withTracing(tracing?: unknown): ConfigResult {
  return validateConfig({ listeners: [{ name: 'web', address: '127.0.0.1:0' }], ...(tracing === undefined ? {} : { tracing }) });
}

const DEFAULTS = { enabled: true, sampleRate: 1, propagation: ['b3multi', 'b3', 'w3c'], requestId: { preserve: true, generate: true } };

t.test('defaults: on, every trace sampled, all three formats, request ids kept or generated', async (t) => {
  t.same(accepted(withTracing()).tracing, DEFAULTS);
  t.same(accepted(withTracing({})).tracing, DEFAULTS, 'an empty block gets the same defaults');
});

t.test('every field is read and reaches the snapshot', async (t) => {
  const tracing = { enabled: false, sampleRate: 0.25, propagation: ['w3c'], requestId: { preserve: false, generate: false } };
  t.same(accepted(withTracing(tracing)).tracing, tracing);
  t.same(buildSnapshot(accepted(withTracing(tracing)), 1, () => 0).tracing, tracing);
  t.same(accepted(withTracing({ propagation: [] })).tracing.propagation, [], 'no format at all: trace headers are only stripped');
});

t.test('each tracing problem has its path and message', async (t) => {
  const cases: Array<[string, unknown, string]> = [
    ['rate above 1', { sampleRate: 1.5 }, 'tracing.sampleRate: must be at most 1, found 1.5'],
    ['rate negative', { sampleRate: -0.1 }, 'tracing.sampleRate: must be at least 0, found -0.1'],
    ['rate type', { sampleRate: 'all' }, 'tracing.sampleRate: expected a number, found "all"'],
    ['unknown format', { propagation: ['zipkin'] }, 'tracing.propagation[0]: expected "b3" (single header), "b3multi" (x-b3-* headers) or "w3c" (traceparent), found "zipkin"'],
    ['duplicate format', { propagation: ['b3', 'w3c', 'b3'] }, 'tracing.propagation[2]: duplicate "b3": propagation[0] already names it'],
    ['request id type', { requestId: { preserve: 'yes' } }, 'tracing.requestId.preserve: expected true or false, found "yes"'],
    ['unknown field', { sampling: 1 }, 'tracing.sampling: unknown field "sampling"; expected one of: enabled, sampleRate, propagation, requestId'],
  ];
  for (const [name, tracing, line] of cases) t.same(problemLines(withTracing(tracing)), [line], name);
});
