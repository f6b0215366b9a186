// Pick-cost microbenchmark: median nanoseconds per pick() at 100 endpoints for every policy, with zone
// routing and slow start on (a fifth of the endpoints inside their window). In-process, no sockets.
import { createBalancer, defaultBalancerOptions, policyFactories, type BalancerEndpoint, type BalancerOptions } from '../../src/balancing/balancer.js';
import { EndpointState, EndpointTable } from '../../src/balancing/endpoint-table.js';
import { seededRandom } from '../../src/balancing/random.js';
import type { BalancerName } from '../../src/snapshot.js';

const ENDPOINTS = 100;
const PICKS_PER_ROUND = 200_000;
const ROUNDS = 15;
const EPOCH = 1_700_000_000_000;

export interface PickCost {
  readonly policy: BalancerName;
  readonly medianNs: number;
}

function endpoints(): BalancerEndpoint[] {
  const zones = ['zone-a', 'zone-b', 'zone-c'];
  return Array.from({ length: ENDPOINTS }, (_, i) => ({ slot: i, weight: 1 + (i % 3), zone: zones[i % 3]!, address: `10.0.${i >> 8}.${i & 255}:8080` }));
}

function measure(policy: BalancerName): PickCost {
  const table = EndpointTable.create(ENDPOINTS, EPOCH);
  // A fifth of the endpoints came back 10 s ago: inside a 30 s slow-start window.
  for (let slot = 0; slot < ENDPOINTS; slot += 5) {
    table.setFlag(slot, EndpointState.EJECTED);
    table.clearFlag(slot, EndpointState.EJECTED, EPOCH + 50_000);
  }
  for (let slot = 0; slot < ENDPOINTS; slot++) for (let n = slot % 7; n > 0; n--) table.beginRequest(slot);
  const options: BalancerOptions = {
    ...defaultBalancerOptions,
    zoneRouting: { localZone: 'zone-a', fleet: new Map([['zone-a', 2], ['zone-b', 1], ['zone-c', 1]]), minClusterSize: 6 },
    slowStart: { windowMs: 30_000, aggression: 1, minWeightFraction: 0.1 },
  };
  let now = EPOCH + 60_000;
  const balancer = createBalancer(policy, endpoints(), { table, random: seededRandom(1), now: () => now }, options);
  const ctx = { attempt: 0, hash: 0 };
  const perRound: number[] = [];
  let sink = 0;
  for (let round = 0; round < ROUNDS + 2; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < PICKS_PER_ROUND; i++) {
      ctx.hash = Math.imul(i, 0x9e3779b1) >>> 0;
      sink += balancer.pick(ctx)!.slot;
    }
    const elapsed = Number(process.hrtime.bigint() - start);
    now += 1; // the clock moves a little between rounds, as it does between requests
    if (round >= 2) perRound.push(elapsed / PICKS_PER_ROUND); // two warm-up rounds for the JIT
  }
  if (sink < 0) throw new Error('unreachable');
  perRound.sort((a, b) => a - b);
  return { policy, medianNs: perRound[perRound.length >> 1]! };
}

export function measurePickCosts(): PickCost[] {
  return (Object.keys(policyFactories) as BalancerName[]).map(measure);
}
