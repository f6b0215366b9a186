// Readiness: every live worker on the current version, Kubernetes (when configured) applied, and not draining.
import t from 'tap';
import { readiness } from '../../src/control/readiness.js';

t.test('ready only when every live worker runs the current version', async (t) => {
  t.same(readiness({ draining: false, currentVersion: 3, workers: [{ index: 0, version: 3 }, { index: 1, version: 3 }] }), { ready: true });
  t.same(readiness({ draining: false, currentVersion: 3, workers: [{ index: 0, version: 3 }, { index: 1, version: 2 }] }),
    { ready: false, reason: 'worker 1 runs version 2; current version is 3' });
  t.same(readiness({ draining: false, currentVersion: 1, workers: [{ index: 0, version: undefined }] }),
    { ready: false, reason: 'worker 0 has applied no snapshot yet; current version is 1' });
  t.same(readiness({ draining: false, currentVersion: 1, workers: [] }), { ready: false, reason: 'no live worker' });
});

t.test('draining is never ready', async (t) => {
  t.same(readiness({ draining: true, currentVersion: 1, workers: [{ index: 0, version: 1 }] }),
    { ready: false, reason: 'draining: shutting down' });
});

t.test('waiting for Kubernetes is not ready, however current the workers are; draining still wins', async (t) => {
  const current = [{ index: 0, version: 2 }, { index: 1, version: 2 }];
  const kubernetes = { ready: false, reason: 'kubernetes: the Ingresses, Services, EndpointSlices and Secrets are not all listed and applied yet' };
  t.same(readiness({ draining: false, currentVersion: 2, workers: current, waitingForKubernetes: true }), kubernetes);
  t.same(readiness({ draining: false, currentVersion: 2, workers: [], waitingForKubernetes: true }), kubernetes, 'before the workers are asked about');
  t.same(readiness({ draining: true, currentVersion: 2, workers: current, waitingForKubernetes: true }), { ready: false, reason: 'draining: shutting down' });
  t.same(readiness({ draining: false, currentVersion: 2, workers: current, waitingForKubernetes: false }), { ready: true });
  t.same(readiness({ draining: false, currentVersion: 3, workers: current, waitingForKubernetes: false }),
    { ready: false, reason: 'worker 0 runs version 2; current version is 3' }, 'applied Kubernetes, then the workers as before');
});
