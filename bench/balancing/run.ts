// `npm run bench:balancing`: the pick-cost microbenchmark and the heterogeneous-endpoint simulation,
// printed as Markdown tables for bench/RESULTS.md. Deterministic inputs; only the pick cost varies by machine.
import { cpus } from 'node:os';
import { measurePickCosts } from './pick-cost.js';
import { HETEROGENEOUS, simulate } from './simulation.js';

const REQUESTS = 200_000;
/** Light load (round robin still keeps up with the slow endpoint) and heavy load (it cannot). */
const UTILISATIONS = [0.1, 0.8];
const SEED = 7;

const costs = measurePickCosts();
console.log(`# Balancing benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}`);
console.log('\n## pick() cost, 100 endpoints in 3 zones, zone-aware routing and slow start on (median of 15 rounds of 200000 picks)\n');
console.log('| policy | median ns/pick |');
console.log('|---|---:|');
for (const { policy, medianNs } of costs) console.log(`| ${policy} | ${medianNs.toFixed(0)} |`);

for (const utilisation of UTILISATIONS) {
  console.log(`\n## Simulation: 8 fast (10 ms), 1 medium (30 ms), 1 slow (100 ms) endpoints, 4 servers each, ${utilisation * 100} % of total capacity, ${REQUESTS} requests, seed ${SEED}\n`);
  console.log('| policy | p50 ms | p99 ms | share fast (each, mean) | share medium | share slow |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const policy of ['round_robin', 'random', 'least_request'] as const) {
    const { p50Ms, p99Ms, shares } = simulate(policy, HETEROGENEOUS, REQUESTS, utilisation, SEED);
    const fastMean = shares.slice(0, 8).reduce((sum, share) => sum + share, 0) / 8;
    const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
    console.log(`| ${policy} | ${p50Ms.toFixed(1)} | ${p99Ms.toFixed(1)} | ${percent(fastMean)} | ${percent(shares[8]!)} | ${percent(shares[9]!)} |`);
  }
}
