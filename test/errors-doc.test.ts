// docs/errors.md and src/errors.ts must list the same codes with the same status and retryability.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { errorTable } from '../src/errors.js';

const doc = readFileSync(fileURLToPath(new URL('../../docs/errors.md', import.meta.url)), 'utf8');

t.test('every code in the table is documented, and only those', async (t) => {
  const documented = new Map<string, { status: number; retryable: boolean; description: string }>();
  for (const match of doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (yes|no) \| (.+) \|$/gm)) {
    documented.set(match[1]!, { status: Number(match[2]), retryable: match[3] === 'yes', description: match[4]! });
  }
  t.same([...documented.keys()].sort(), Object.keys(errorTable).sort(), 'same set of codes');
  for (const [code, entry] of Object.entries(errorTable)) {
    t.same(documented.get(code), { status: entry.status, retryable: entry.retryable, description: entry.description }, code);
  }
});
