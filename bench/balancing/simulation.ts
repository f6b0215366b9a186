// Event-driven, deterministic simulation of heterogeneous endpoints: Poisson arrivals, each endpoint a
// few parallel servers with exponential service times, FIFO queues. Compares how round_robin, random
// and least_request (on the live in-flight counts, as in the proxy) spread load: p50/p99 latency and
// per-endpoint share. Simulated time; no sockets, no timers.
import { createBalancer, type BalancerEndpoint } from '../../src/balancing/balancer.js';
import { EndpointTable } from '../../src/balancing/endpoint-table.js';
import { seededRandom, type Random } from '../../src/balancing/random.js';
import type { BalancerName } from '../../src/snapshot.js';

export interface SimulatedEndpoint {
  readonly name: string;
  /** Mean service time, ms. */
  readonly meanMs: number;
  /** Requests served in parallel; more wait in a FIFO queue. */
  readonly servers: number;
}

export interface SimulationResult {
  readonly policy: BalancerName;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Share of requests per endpoint, in the order given. */
  readonly shares: readonly number[];
}

export const HETEROGENEOUS: readonly SimulatedEndpoint[] = [
  ...Array.from({ length: 8 }, (_, i) => ({ name: `fast-${i + 1}`, meanMs: 10, servers: 4 })),
  { name: 'medium', meanMs: 30, servers: 4 },
  { name: 'slow', meanMs: 100, servers: 4 },
];

interface Completion {
  readonly time: number;
  readonly endpoint: number;
  readonly arrivedAt: number;
}

/** A binary min-heap of completions by time. */
class Completions {
  readonly #heap: Completion[] = [];

  get size(): number { return this.#heap.length; }
  get nextTime(): number { return this.#heap[0]!.time; }

  push(entry: Completion): void {
    const heap = this.#heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.time <= entry.time) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  pop(): Completion {
    const heap = this.#heap;
    const first = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const child = left + 1 < heap.length && heap[left + 1]!.time < heap[left]!.time ? left + 1 : left;
        if (heap[child]!.time >= last.time) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return first;
  }
}

const exponential = (random: Random, mean: number) => -Math.log(1 - random.next()) * mean;

/**
 * Runs `requests` arrivals at `utilisation` of the endpoints' total capacity. A request's latency is its
 * queueing plus service time at the endpoint the policy picked when it arrived.
 */
export function simulate(policy: BalancerName, endpoints: readonly SimulatedEndpoint[], requests: number, utilisation: number, seed: number): SimulationResult {
  const table = EndpointTable.create(endpoints.length);
  const members: BalancerEndpoint[] = endpoints.map((_, slot) => ({ slot, weight: 1 }));
  const balancer = createBalancer(policy, members, { table, random: seededRandom(seed) });
  const work = seededRandom(seed + 1);
  const capacityPerMs = endpoints.reduce((sum, endpoint) => sum + endpoint.servers / endpoint.meanMs, 0);
  const meanGapMs = 1 / (capacityPerMs * utilisation);
  const busy = new Int32Array(endpoints.length);
  /** Per endpoint, the arrival times and service times of queued requests (FIFO). */
  const queues = endpoints.map(() => [] as Array<[number, number]>);
  const completions = new Completions();
  const latencies = new Float64Array(requests);
  const counts = new Array<number>(endpoints.length).fill(0);
  let done = 0;
  let now = 0;
  let nextArrival = exponential(work, meanGapMs);
  let arrived = 0;

  const startService = (index: number, arrivedAt: number, serviceMs: number) => {
    busy[index]!++;
    completions.push({ time: now + serviceMs, endpoint: index, arrivedAt });
  };

  while (done < requests) {
    if (arrived < requests && (completions.size === 0 || nextArrival <= completions.nextTime)) {
      now = nextArrival;
      const picked = balancer.pick({ attempt: 0 })!.slot;
      table.beginRequest(picked);
      counts[picked]!++;
      const serviceMs = exponential(work, endpoints[picked]!.meanMs);
      if (busy[picked]! < endpoints[picked]!.servers) startService(picked, now, serviceMs);
      else queues[picked]!.push([now, serviceMs]);
      arrived++;
      nextArrival = now + exponential(work, meanGapMs);
    } else {
      const { time, endpoint: index, arrivedAt } = completions.pop();
      now = time;
      busy[index]!--;
      table.endRequest(index);
      latencies[done++] = now - arrivedAt;
      const waiting = queues[index]!.shift();
      if (waiting !== undefined) startService(index, waiting[0], waiting[1]);
    }
  }
  latencies.sort();
  return {
    policy,
    p50Ms: latencies[Math.floor(requests * 0.5)]!,
    p99Ms: latencies[Math.floor(requests * 0.99)]!,
    shares: counts.map((count) => count / requests),
  };
}
