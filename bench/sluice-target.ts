// The system under test: the built Sluice CLI with one worker, fed a generated single-route config.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './processes.js';
import { PROXY_CPU, startServingProcess, type Target, type TargetContext } from './target.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export function sluiceConfig(listenPort: number, backendPort: number): string {
  return [
    `listeners: [{ name: web, address: "127.0.0.1:${listenPort}", protocol: http }]`,
    'routes: [{ paths: [{ path: /, pathType: Prefix, cluster: backend }] }]',
    `clusters: [{ name: backend, endpoints: [{ address: "127.0.0.1:${backendPort}" }] }]`,
    '',
  ].join('\n');
}

export const sluiceTarget: Target = {
  name: 'sluice',
  unavailable: () => (existsSync(CLI) ? undefined : `${CLI} not built`),
  async start(context: TargetContext) {
    const port = await freePort();
    const configPath = join(context.workDir, 'sluice.yaml');
    await writeFile(configPath, sluiceConfig(port, context.backendPort));
    return startServingProcess({
      name: 'sluice',
      command: process.execPath,
      args: [CLI, '--config', configPath, '--workers', '1', '--admin', '127.0.0.1:0', '--log-level', 'warn'],
      cpu: PROXY_CPU,
      port,
      startTimeoutMs: START_TIMEOUT_MS,
    });
  },
};
