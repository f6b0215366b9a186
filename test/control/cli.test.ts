// The built `sluice` CLI as a child process: help, version, usage errors, validate, and an invalid
// --config, with their exit codes and messages.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliPath } from '../helpers/sluice-process.js';

interface Outcome { code: number | null; stdout: string; stderr: string }

function sluice(args: string[], timeoutMs = 15_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => { stdout += text; });
    child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'sluice-cli-'));
const validFile = path.join(dir, 'valid.yaml');
const invalidFile = path.join(dir, 'invalid.yaml');
writeFileSync(validFile, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: app }] }]
clusters: [{ name: app, endpoints: [{ address: "127.0.0.1:9" }] }]
`);
writeFileSync(invalidFile, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: app }] }]
clusters: [{ name: app, endpoints: [{ address: "127.0.0.1:99999" }] }]
`);

t.test('--help lists commands and flags, exit 0', async (t) => {
  const { code, stdout } = await sluice(['--help']);
  t.equal(code, 0);
  for (const word of ['demo', 'validate FILE', '--config FILE', '--workers N', '--admin HOST:PORT', '--log-level', '--version']) {
    t.ok(stdout.includes(word), `mentions ${word}`);
  }
});

t.test('--version prints the package version', async (t) => {
  const { version } = JSON.parse(readFileSync(path.join(path.dirname(cliPath), '../../package.json'), 'utf8')) as { version: string };
  const { code, stdout } = await sluice(['--version']);
  t.equal(code, 0);
  t.equal(stdout, `${version}\n`);
});

t.test('an unknown flag exits 2 and names it', async (t) => {
  const { code, stderr } = await sluice(['--config', validFile, '--frobnicate']);
  t.equal(code, 2);
  t.match(stderr, /--frobnicate/);
});

t.test('a bad flag value exits 2 and names the flag', async (t) => {
  const { code, stderr } = await sluice(['--config', validFile, '--workers', 'zero']);
  t.equal(code, 2);
  t.match(stderr, /--workers must be a whole number/);
});

t.test('validate: a valid file prints "FILE: ok", exit 0', async (t) => {
  const { code, stdout } = await sluice(['validate', validFile]);
  t.equal(code, 0);
  t.equal(stdout, `${validFile}: ok\n`);
});

t.test('validate: an invalid file prints the file and field path, exit 2', async (t) => {
  const { code, stderr } = await sluice(['validate', invalidFile]);
  t.equal(code, 2);
  t.ok(stderr.startsWith(`${invalidFile}: clusters[0].endpoints[0].address: `), stderr);
});

t.test('--config with an invalid file exits 2 naming the field', async (t) => {
  const { code, stderr } = await sluice(['--config', invalidFile, '--workers', '1', '--admin', '127.0.0.1:0']);
  t.equal(code, 2);
  t.ok(stderr.includes(`${invalidFile}: clusters[0].endpoints[0].address: `), stderr);
});

t.test('--config with a missing file exits 2 naming the file', async (t) => {
  const missing = path.join(dir, 'missing.yaml');
  const { code, stderr } = await sluice(['--config', missing, '--workers', '1', '--admin', '127.0.0.1:0']);
  t.equal(code, 2);
  t.ok(stderr.startsWith(`${missing}: cannot read the file`), stderr);
});
