// Envoy's slow start: an endpoint that became available less than `windowMs` ago takes a share of
// its weight that grows with time. Pure arithmetic; the caller supplies the clock reading.

export interface SlowStartOptions {
  readonly windowMs: number;
  /** > 0; 1 ramps linearly, larger values ramp faster at first. */
  readonly aggression: number;
  /** Floor of the factor, 0..1 (Envoy's min_weight_percent / 100). */
  readonly minWeightFraction: number;
}

/**
 * The factor (minWeightFraction..1) applied to the weight of an endpoint available since `sinceMs`:
 * max(minWeight, timeFactor^(1/aggression)) with timeFactor = max(elapsed, 1 s) / window, as Envoy
 * computes it (in seconds, hence the 1 s floor); 1 once the window has passed.
 */
export function slowStartFactor(options: SlowStartOptions, sinceMs: number, nowMs: number): number {
  const elapsedMs = nowMs - sinceMs;
  if (elapsedMs >= options.windowMs) return 1;
  const timeFactor = Math.max(elapsedMs, 1_000) / options.windowMs;
  const ramp = options.aggression === 1 ? timeFactor : Math.pow(timeFactor, 1 / options.aggression);
  return Math.min(1, Math.max(options.minWeightFraction, ramp));
}
