// The admin bearer token check.
import t from 'tap';
import { OPEN_ADMIN_PATHS, bearerTokenMatches } from '../../src/control/admin-auth.js';

t.test('only "Bearer <the token>" passes', async (t) => {
  t.ok(bearerTokenMatches('Bearer s3cret', 's3cret'));
  t.ok(bearerTokenMatches('bearer s3cret', 's3cret'), 'the scheme is case-insensitive');
  t.notOk(bearerTokenMatches(undefined, 's3cret'));
  t.notOk(bearerTokenMatches('Bearer s3cre', 's3cret'));
  t.notOk(bearerTokenMatches('Bearer s3cret2', 's3cret'));
  t.notOk(bearerTokenMatches('Basic s3cret', 's3cret'));
  t.notOk(bearerTokenMatches('Bearer', 's3cret'));
});

t.test('the probes stay open', async (t) => {
  t.same([...OPEN_ADMIN_PATHS], ['/healthz', '/readyz']);
});
