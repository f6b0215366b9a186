// The fields a hop adds and the https redirect target, shared by the HTTP/2 exchange and the bridge.
import t from 'tap';
import { httpsLocation, setForwardedFields } from '../../src/proxy/forwarding.js';
import type { ListenerRuntime } from '../../src/worker/runtime.js';

const listener = { proto: 'https', portText: '8443' } as ListenerRuntime;

t.test('X-Forwarded-For extends the incoming chain; the others describe this hop', async (t) => {
  const fields: Record<string, unknown> = {};
  setForwardedFields(fields, '203.0.113.7', '10.0.0.2', listener, 'shop.example.com');
  t.same(fields, {
    'x-forwarded-for': '203.0.113.7, 10.0.0.2', 'x-forwarded-proto': 'https',
    'x-forwarded-host': 'shop.example.com', 'x-forwarded-port': '8443',
  });
  const first: Record<string, unknown> = {};
  setForwardedFields(first, undefined, '10.0.0.2', listener, undefined);
  t.same(first, { 'x-forwarded-for': '10.0.0.2', 'x-forwarded-proto': 'https', 'x-forwarded-port': '8443' }, 'no chain, no host');
});

t.test('redirects keep the host without its port, and the target', async (t) => {
  t.equal(httpsLocation('Shop.Example.com:8080', 8443, '/cart?id=7'), 'https://shop.example.com:8443/cart?id=7');
  t.equal(httpsLocation('shop.example.com', 443, '/'), 'https://shop.example.com/', 'port 443 is implied');
  t.equal(httpsLocation('[::1]:8080', 8443, '/x'), 'https://[::1]:8443/x', 'IPv6 keeps its brackets');
});
