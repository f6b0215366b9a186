// A set of endpoints a pick chooses among (all available endpoints, or one zone's), with their
// effective weights and cumulative weights for weighted draws. Built when the cluster's view changes;
// only slow start rewrites the weights in place, and only while an endpoint is inside its window.
import type { BalancerEndpoint } from './balancer.js';
import { searchCumulative } from './endpoint-weights.js';
import { slowStartFactor, type SlowStartOptions } from './slow-start.js';

export class CandidateSet<E extends BalancerEndpoint> {
  readonly endpoints: readonly E[];
  /** Each member's position in the cluster's endpoint list (for per-endpoint policy state). */
  readonly positions: Int32Array;
  /** Effective weights: configured weight, scaled down during slow start. */
  readonly weights: Float64Array;
  /** cumulative[i] = weights[0] + … + weights[i]. */
  readonly cumulative: Float64Array;
  total = 0;
  /** Every effective weight is the same: a draw is a plain uniform index. */
  uniform = true;

  constructor(endpoints: readonly E[], positions: readonly number[]) {
    this.endpoints = endpoints;
    this.positions = Int32Array.from(positions);
    this.weights = new Float64Array(endpoints.length);
    this.cumulative = new Float64Array(endpoints.length);
    for (let i = 0; i < endpoints.length; i++) this.weights[i] = endpoints[i]!.weight;
    this.#accumulate();
  }

  get size(): number {
    return this.endpoints.length;
  }

  /**
   * Applies slow start at `nowMs` (`since[p]`: when the endpoint at cluster position p became
   * available, NaN when not in slow start). Returns whether any member is still ramping up.
   */
  applySlowStart(options: SlowStartOptions, since: Float64Array, nowMs: number): boolean {
    let ramping = false;
    for (let i = 0; i < this.endpoints.length; i++) {
      const sinceMs = since[this.positions[i]!]!;
      const factor = Number.isNaN(sinceMs) ? 1 : slowStartFactor(options, sinceMs, nowMs);
      if (factor < 1) ramping = true;
      this.weights[i] = this.endpoints[i]!.weight * factor;
    }
    this.#accumulate();
    return ramping;
  }

  /** A draw in proportion to weight for r in [0, 1): a plain index when the weights are equal. */
  draw(r: number): number {
    const count = this.endpoints.length;
    return this.uniform ? Math.min(Math.floor(r * count), count - 1) : searchCumulative(this.cumulative, r * this.total);
  }

  #accumulate(): void {
    let total = 0;
    let uniform = true;
    const weights = this.weights;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] !== weights[0]) uniform = false;
      total += weights[i]!;
      this.cumulative[i] = total;
    }
    this.total = total;
    this.uniform = uniform;
  }
}
