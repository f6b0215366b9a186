// Reading ConfigResults in tests: the problems of one that must fail, the config of one that must pass.
import { formatProblems, type ConfigResult, type SluiceConfig } from '../../src/config/index.js';

/** The problems of a result that must have failed, as `path: message` lines. */
export function problemLines(result: ConfigResult): string[] {
  if (result.ok) throw new Error('expected the configuration to be rejected');
  return result.problems.map(({ path, message }) => `${path}: ${message}`);
}

/** The config of a result that must have passed; a rejection throws with every problem. */
export function accepted(result: ConfigResult): SluiceConfig {
  if (!result.ok) throw new Error(formatProblems('test', result.problems));
  return result.config;
}

/** The balancing fields the schema fills in for a cluster that names none of them. */
export const DEFAULT_CLUSTER_BALANCING = {
  choiceCount: 2,
  activeRequestBias: 1,
  panicThreshold: 50,
  zoneAware: { enabled: true, minClusterSize: 6 },
  ringHash: { minRingSize: 1024, maxRingSize: 8_388_608 },
};
