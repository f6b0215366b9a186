// The `outlierDetection:` block of a cluster: Envoy's knobs, names in camelCase, Envoy's defaults.
// Shape and ranges only; the detectors live in src/outlier/.
import * as z from 'zod';
import { duration } from './duration-field.js';

const percent = z.number().min(0).max(100);
const count = z.int().min(1).max(1_000_000);

const DEFAULT_MAX_EJECTION_TIME_MS = 300_000;

export const outlierDetection = z
  .strictObject({
    consecutive5xx: count.default(5),
    consecutiveGatewayFailure: count.default(5),
    interval: duration.default(10_000),
    baseEjectionTime: duration.default(30_000),
    // Envoy: when unset, 300s or the base ejection time, whichever is longer.
    maxEjectionTime: duration.optional(),
    maxEjectionPercent: percent.default(10),
    alwaysEjectOneHost: z.boolean().default(false),
    successRate: z
      .strictObject({ minimumHosts: count.default(5), requestVolume: count.default(100), stdevFactor: z.number().positive().default(1.9) })
      .prefault({}),
    failurePercentage: z
      .strictObject({ threshold: percent.default(85), minimumHosts: count.default(5), requestVolume: count.default(50) })
      .prefault({}),
    enforcing: z
      .strictObject({
        consecutive5xx: percent.default(100),
        consecutiveGatewayFailure: percent.default(0),
        successRate: percent.default(100),
        failurePercentage: percent.default(0),
      })
      .prefault({}),
  })
  .check((ctx) => {
    const { interval, baseEjectionTime, maxEjectionTime } = ctx.value;
    if (interval <= 0) ctx.issues.push({ code: 'custom', message: 'interval must be longer than 0s', input: interval, path: ['interval'] });
    if (maxEjectionTime !== undefined && maxEjectionTime < baseEjectionTime) {
      ctx.issues.push({
        code: 'custom',
        message: `maxEjectionTime (${maxEjectionTime} ms) cannot be shorter than baseEjectionTime (${baseEjectionTime} ms)`,
        input: maxEjectionTime,
        path: ['maxEjectionTime'],
      });
    }
  })
  .transform(({ maxEjectionTime, ...rest }) => ({
    ...rest,
    maxEjectionTime: maxEjectionTime ?? Math.max(DEFAULT_MAX_EJECTION_TIME_MS, rest.baseEjectionTime),
  }));
