// The yardstick: nginx with one worker, keep-alive both ways, configured in a private temp prefix;
// plain HTTP/1.1, or TLS with h2 (nginx 1.22 syntax: `listen ... ssl http2`).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandOnPath, freePort } from './processes.js';
import { h2Endpoint, http1Endpoint, PROXY_CPU, requireCertificate, startServingProcess, type CertificatePaths, type Target, type TargetContext } from './target.js';

const START_TIMEOUT_MS = 10_000;
/** High enough that neither side recycles connections during a run (nginx's default is 1000). */
const KEEPALIVE_REQUESTS = 1_000_000;

function listenLines(listenPort: number, certificate: CertificatePaths | undefined): string[] {
  if (certificate === undefined) return [`    listen 127.0.0.1:${listenPort};`];
  return [
    `    listen 127.0.0.1:${listenPort} ssl http2;`,
    `    ssl_certificate ${certificate.certPath};`,
    `    ssl_certificate_key ${certificate.keyPath};`,
  ];
}

export function nginxConfig(prefix: string, listenPort: number, backendPort: number, runAsRoot: boolean, certificate?: CertificatePaths): string {
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
    ...listenLines(listenPort, certificate),
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

/** nginx in front of the HTTP/1.1 backend; `tls` serves h2 over TLS with the suite's certificate. */
export const nginxTarget = (tls: boolean): Target => ({
  name: 'nginx',
  unavailable: () => (commandOnPath('nginx') === undefined ? 'nginx not installed' : undefined),
  async start(context: TargetContext) {
    const nginx = commandOnPath('nginx');
    if (nginx === undefined) throw new Error('nginx not installed');
    const prefix = join(context.workDir, 'nginx');
    await mkdir(join(prefix, 'temp'), { recursive: true });
    const port = await freePort();
    const configPath = join(prefix, 'nginx.conf');
    const certificate = tls ? requireCertificate(context) : undefined;
    await writeFile(configPath, nginxConfig(prefix, port, context.backendPort, process.getuid?.() === 0, certificate));
    return startServingProcess({
      name: 'nginx',
      command: nginx,
      // -e: start-up errors go to the prefix too, not to the distribution's log directory.
      args: ['-c', configPath, '-p', prefix, '-e', join(prefix, 'error.log')],
      cpu: PROXY_CPU,
      endpoint: tls ? h2Endpoint(port) : http1Endpoint(port),
      startTimeoutMs: START_TIMEOUT_MS,
    });
  },
});
