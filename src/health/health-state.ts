// One endpoint's active-health state machine (Pingora-style): it flips only after N results in a row.
// Pure: it says which state the endpoint is in; the checker turns that into EndpointTable flags.

export type HealthStatus = 'unchecked' | 'healthy' | 'unhealthy';

export interface HealthThresholds {
  /** Passes in a row that bring an unhealthy endpoint back. */
  readonly healthyThreshold: number;
  /** Failures in a row that take a healthy (or still unchecked) endpoint out. */
  readonly unhealthyThreshold: number;
}

export class HealthState {
  readonly #thresholds: HealthThresholds;
  #status: HealthStatus;
  /** Results in a row that disagree with the current status. */
  #streak = 0;

  constructor(thresholds: HealthThresholds, initial: HealthStatus) {
    this.#thresholds = thresholds;
    this.#status = initial;
  }

  get status(): HealthStatus {
    return this.#status;
  }

  /** Takes one check result; returns the status after it. */
  record(passed: boolean): HealthStatus {
    if (this.#status === 'unchecked' && passed) return this.#become('healthy');
    const against = this.#status === 'unhealthy' ? passed : !passed;
    if (!against) {
      this.#streak = 0;
      return this.#status;
    }
    this.#streak++;
    if (this.#status === 'unhealthy') {
      if (this.#streak >= this.#thresholds.healthyThreshold) this.#become('healthy');
    } else if (this.#streak >= this.#thresholds.unhealthyThreshold) {
      this.#become('unhealthy');
    }
    return this.#status;
  }

  #become(status: HealthStatus): HealthStatus {
    this.#status = status;
    this.#streak = 0;
    return status;
  }
}
