// Go-style duration strings ("150ms", "2s", "1m30s", "1h") → whole milliseconds. Pure text parsing;
// knows nothing of zod or of where the duration sits in the configuration.

const MS_PER_UNIT: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
/** Go accepts these too, but every Sluice timer counts whole milliseconds. */
const SUB_MILLISECOND_UNITS = new Set(['us', 'µs', 'μs', 'ns']);
/** Node timers overflow (and fire at once) past 2^31 - 1 ms, about 24.8 days. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

const BARE_NUMBER = /^\d+(\.\d+)?$/;
/** One `<number><unit>` term; the unit may be missing so that the error can say so. */
const TERM = /(\d+(?:\.\d+)?|\.\d+)([A-Za-zµμ]*)/y;

export type DurationResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

export function parseDuration(text: string): DurationResult {
  const found = `found ${JSON.stringify(text)}`;
  if (BARE_NUMBER.test(text)) return fail(`expected a duration like 2s, found ${text} (add a unit: ms, s, m or h)`);
  if (text === '') return fail(`expected a duration like 2s, ${found}`);
  let ms = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < text.length) {
    const term = TERM.exec(text);
    if (term === null) return fail(`expected a duration like 2s, ${found}`);
    const [, amount, unit] = term as unknown as [string, string, string];
    if (unit === '') return fail(`expected a duration like 2s, ${found}: every number needs a unit (ms, s, m or h)`);
    if (SUB_MILLISECOND_UNITS.has(unit)) return fail(`unit "${unit}" is finer than Sluice's millisecond resolution, ${found}; use ms, s, m or h`);
    const unitMs = MS_PER_UNIT[unit];
    if (unitMs === undefined) return fail(`unknown unit "${unit}", ${found}; use ms, s, m or h`);
    ms += Number(amount) * unitMs;
  }
  // Rounding to a micro-millisecond absorbs binary fractions (1.1 * 1000 = 1100.0000000000002).
  ms = Math.round(ms * 1_000) / 1_000;
  if (!Number.isInteger(ms)) return fail(`must be a whole number of milliseconds, ${found}`);
  if (ms === 0) return fail(`must be greater than 0, ${found}`);
  if (ms > MAX_DURATION_MS) return fail(`must be at most ${MAX_DURATION_MS}ms (about 24.8 days), ${found}`);
  return { ok: true, ms };
}

function fail(reason: string): DurationResult {
  return { ok: false, reason };
}
