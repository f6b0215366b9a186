// The gRPC suite's load generator: peers/grpc-load-loop.js as a child on the load core, one channel
// with `connections` Unary calls in flight; the child prints its figures as one JSON line.
import { fileURLToPath } from 'node:url';
import { runChildLoad } from './child-load.js';
import type { LoadFigures, LoadGenerator } from './load.js';

const LOOP = fileURLToPath(new URL('./peers/grpc-load-loop.js', import.meta.url));

function parseLoopOutput(output: string): LoadFigures {
  const lastLine = output.trimEnd().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(lastLine) as LoadFigures;
  } catch {
    throw new Error(`gRPC load loop printed no figures:\n${output}`);
  }
}

export const grpcLoadGenerator: LoadGenerator = {
  name: 'grpc-js unary loop',
  latencyColumns: { typical: 'p50', tail: 'p99' },
  unavailable: () => undefined,
  workload: (connections) => `one h2c channel, ${connections} Echo/Unary calls in flight`,
  run: (address, settings, measuring) =>
    runChildLoad(
      {
        name: 'grpc-load',
        command: process.execPath,
        args: [LOOP, '--address', address, '--concurrency', String(settings.connections), '--warmup', String(settings.warmupSec), '--duration', String(settings.durationSec)],
        parse: parseLoopOutput,
      },
      settings,
      measuring,
    ),
};
