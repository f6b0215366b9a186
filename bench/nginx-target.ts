// The yardstick: nginx with one worker, keep-alive both ways, configured in a private temp prefix.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandOnPath, freePort } from './processes.js';
import { PROXY_CPU, startServingProcess, type Target, type TargetContext } from './target.js';

const START_TIMEOUT_MS = 10_000;
/** High enough that neither side recycles connections during a run (nginx's default is 1000). */
const KEEPALIVE_REQUESTS = 1_000_000;

export function nginxConfig(prefix: string, listenPort: number, backendPort: number, runAsRoot: boolean): string {
  const temp = (kind: string): string => `  ${kind}_temp_path ${join(prefix, 'temp', kind)};`;
  return [
    // As root, nginx would otherwise switch its worker to "nobody", who may not reach the prefix.
    ...(runAsRoot ? ['user root;'] : []),
    'worker_processes 1;',
    'daemon off;',
    `pid ${join(prefix, 'nginx.pid')};`,
    `error_log ${join(prefix, 'error.log')} warn;`,
    'events { worker_connections 4096; }',
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
    '  upstream backend {',
    `    server 127.0.0.1:${backendPort};`,
    '    keepalive 64;',
    `    keepalive_requests ${KEEPALIVE_REQUESTS};`,
    '  }',
    '  server {',
    `    listen 127.0.0.1:${listenPort};`,
    `    keepalive_requests ${KEEPALIVE_REQUESTS};`,
    '    location / {',
    '      proxy_pass http://backend;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

export const nginxTarget: Target = {
  name: 'nginx',
  unavailable: () => (commandOnPath('nginx') === undefined ? 'nginx not installed' : undefined),
  async start(context: TargetContext) {
    const nginx = commandOnPath('nginx');
    if (nginx === undefined) throw new Error('nginx not installed');
    const prefix = join(context.workDir, 'nginx');
    await mkdir(join(prefix, 'temp'), { recursive: true });
    const port = await freePort();
    const configPath = join(prefix, 'nginx.conf');
    await writeFile(configPath, nginxConfig(prefix, port, context.backendPort, process.getuid?.() === 0));
    return startServingProcess({
      name: 'nginx',
      command: nginx,
      // -e: start-up errors go to the prefix too, not to the distribution's log directory.
      args: ['-c', configPath, '-p', prefix, '-e', join(prefix, 'error.log')],
      cpu: PROXY_CPU,
      port,
      startTimeoutMs: START_TIMEOUT_MS,
    });
  },
};
