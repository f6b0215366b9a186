// The metrics, accessLog and admin blocks: defaults, a relative log path resolved against the file's
// directory, and errors that name the field.
import t from 'tap';
import { parseConfig } from '../../src/config/index.js';
import { accepted, problemLines } from '../helpers/config-results.js';

const LISTENER = 'listeners: [{ name: web, address: "127.0.0.1:8080" }]\n';

t.test('values as configured; a relative path is resolved against the configuration directory', async (t) => {
  const config = accepted(parseConfig(`${LISTENER}
metrics: { endpointLabels: false }
accessLog: { enabled: true, path: logs/access.log, fields: [status, time], sampleRate: 0.25 }
admin: { token: "s3cret-token" }
`, '/etc/sluice'));
  t.same(config.metrics, { endpointLabels: false });
  t.same(config.accessLog, { enabled: true, path: '/etc/sluice/logs/access.log', fields: ['status', 'time'], sampleRate: 0.25 });
  t.same(config.admin, { token: 's3cret-token' });
  t.equal(accepted(parseConfig(`${LISTENER}accessLog: { path: stdout }\n`, '/etc/sluice')).accessLog.path, 'stdout');
});

t.test('bad values are named by field path', async (t) => {
  t.same(problemLines(parseConfig(`${LISTENER}
metrics: { endpointLabels: "no", extra: 1 }
accessLog: { enabled: yes, path: "", fields: [status, bogus], sampleRate: 2 }
admin: { token: "has space" }
`)), [
    'metrics.endpointLabels: expected true or false, found "no"',
    'metrics.extra: unknown field "extra"; expected one of: endpointLabels',
    'accessLog.enabled: expected true or false, found "yes"',
    'accessLog.path: expected "stdout" or a file path, found an empty string',
    'accessLog.fields[1]: expected one of time, requestId, traceId, clientAddress, method, host, path, protocol, status, bytesIn, bytesOut, durationMs, upstream, upstreamMs, route, cluster, retries, errorCode, found "bogus"',
    'accessLog.sampleRate: must be at most 1, found 2',
    'admin.token: a token is 1 or more visible ASCII characters (no spaces)',
  ]);
  t.same(problemLines(parseConfig(`${LISTENER}accessLog: { fields: [] }\n`)), ['accessLog.fields: expected at least one field, found an empty list']);
});
