// The registry of load generators by name (`--load`); each one lives in its own module.
import { autocannonGenerator } from './autocannon-load.js';
import type { LoadGenerator } from './load.js';
import type { LoadGeneratorName } from './options.js';
import { wrkGenerator } from './wrk-load.js';

const GENERATORS: Readonly<Record<LoadGeneratorName, LoadGenerator>> = {
  autocannon: autocannonGenerator,
  wrk: wrkGenerator,
};

export function loadGeneratorNamed(name: LoadGeneratorName): LoadGenerator {
  return GENERATORS[name];
}
