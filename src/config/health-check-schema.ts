// The `healthCheck:` block of a cluster: what to probe, how often, and how many results flip the
// state. Shape and ranges only; the checkers live in src/health/.
import * as z from 'zod';
import { describeValue } from './describe-value.js';
import { duration } from './duration-field.js';

const STATUS_RANGE = /^([1-5]\d\d)-([1-5]\d\d)$/;

/** `200` or `"200-299"` → an inclusive range. */
const expectedStatus = z.union([z.int(), z.string()]).transform((value, ctx): [number, number] => {
  if (typeof value === 'number') {
    if (value >= 100 && value <= 599) return [value, value];
  } else {
    const match = STATUS_RANGE.exec(value);
    if (match !== null && Number(match[1]) <= Number(match[2])) return [Number(match[1]), Number(match[2])];
  }
  ctx.addIssue({ code: 'custom', message: `expected a status (100–599) or a range like "200-299", found ${describeValue(value)}`, input: value });
  return z.NEVER;
});

const threshold = z.int().min(1).max(1_000);

export const healthCheck = z
  .strictObject({
    type: z.enum(['http', 'tcp', 'grpc'], { error: (issue) => `expected "http", "tcp" or "grpc", found ${describeValue(issue.input)}` }).default('http'),
    path: z.string().startsWith('/', { error: (issue) => `a health check path must start with "/", found ${describeValue(issue.input)}` }).default('/'),
    host: z.string().min(1).optional(),
    expectedStatuses: z.array(expectedStatus).min(1, { error: 'expected at least one status, found an empty list' }).default([[200, 200]]),
    service: z.string().default(''),
    interval: duration.default(5_000),
    timeout: duration.default(1_000),
    jitter: duration.default(0),
    healthyThreshold: threshold.default(2),
    unhealthyThreshold: threshold.default(3),
    requireFirstPass: z.boolean().default(true),
  })
  .check((ctx) => {
    for (const field of ['interval', 'timeout'] as const) {
      if (ctx.value[field] <= 0) ctx.issues.push({ code: 'custom', message: `${field} must be longer than 0s`, input: ctx.value[field], path: [field] });
    }
  });
