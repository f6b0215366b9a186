// The zod field for Go-style durations ("2s", "150ms"), shared by every schema module.
import * as z from 'zod';
import { describeValue } from './describe-value.js';
import { parseDuration } from './duration.js';

/** A Go-style duration string, converted to milliseconds; anything else names what was found. */
export const duration = z.unknown().transform((value, ctx) => {
  const result = typeof value === 'string' ? parseDuration(value) : { ok: false as const, reason: `expected a duration like 2s, found ${describeValue(value)}` };
  if (result.ok) return result.ms;
  ctx.addIssue({ code: 'custom', message: result.reason, input: value });
  return z.NEVER;
});
