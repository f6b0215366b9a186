// The argument parser: every command, defaults, and usage errors that name the flag at fault.
import t from 'tap';
import { parseCommandLine } from '../../src/control/command-line.js';

const defaults = { workers: 4, admin: { host: '127.0.0.1', port: 9901 }, logLevel: 'info' };

t.test('run with defaults and with every flag', async (t) => {
  t.same(parseCommandLine(['--config', 'a.yaml'], 4), { kind: 'run', configFile: 'a.yaml', options: defaults });
  t.same(parseCommandLine(['--config', 'a.yaml', '--workers', '2', '--admin', '[::1]:0', '--log-level', 'debug'], 4), {
    kind: 'run', configFile: 'a.yaml', options: { workers: 2, admin: { host: '::1', port: 0 }, logLevel: 'debug' },
  });
});

t.test('demo, validate, help, version', async (t) => {
  t.same(parseCommandLine(['demo', '--workers', '1'], 4), { kind: 'demo', options: { ...defaults, workers: 1 } });
  t.same(parseCommandLine(['validate', 'x.yaml'], 4), { kind: 'validate', file: 'x.yaml' });
  t.same(parseCommandLine(['--help'], 4), { kind: 'help' });
  t.same(parseCommandLine(['-h'], 4), { kind: 'help' });
  t.same(parseCommandLine(['--version'], 4), { kind: 'version' });
});

t.test('usage errors name the flag or argument', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--port', '80'], /--port/],
    [['--config', 'a.yaml', '--workers', '0'], /^--workers must be a whole number from 1 to 1024, got "0"$/],
    [['--config', 'a.yaml', '--workers', 'many'], /^--workers .* got "many"$/],
    [['--config', 'a.yaml', '--admin', 'localhost'], /^--admin: expected HOST:PORT/],
    [['--config', 'a.yaml', '--admin', '127.0.0.1:70000'], /^--admin: port must be 0–65535, got 70000$/],
    [['--config', 'a.yaml', '--log-level', 'loud'], /^--log-level must be one of debug, info, warn, error, got "loud"$/],
    [[], /^--config FILE is required/],
    [['serve'], /^unknown command "serve"/],
    [['validate'], /^validate takes exactly one FILE/],
    [['validate', 'a', 'b'], /^validate takes exactly one FILE/],
    [['validate', 'a', '--workers', '2'], /^--workers does not apply to validate$/],
    [['demo', '--config', 'a.yaml'], /^--config does not apply to demo/],
    [['demo', 'extra'], /^unexpected argument "extra"$/],
  ];
  for (const [args, message] of cases) {
    const command = parseCommandLine(args, 4);
    t.equal(command.kind, 'usage-error', args.join(' '));
    if (command.kind === 'usage-error') t.match(command.message, message, args.join(' '));
  }
});

t.test('the admin token: --admin-token, else SLUICE_ADMIN_TOKEN; it must be visible ASCII', async (t) => {
  const run = (args: string[], env = {}) => parseCommandLine(['--config', 'a.yaml', ...args], 4, env);
  t.match(run(['--admin-token', 'flag']), { kind: 'run', options: { adminToken: 'flag' } });
  t.match(run([], { SLUICE_ADMIN_TOKEN: 'env' }), { kind: 'run', options: { adminToken: 'env' } });
  t.match(run(['--admin-token', 'flag'], { SLUICE_ADMIN_TOKEN: 'env' }), { kind: 'run', options: { adminToken: 'flag' } });
  t.notOk('adminToken' in (run([]) as { options: object }).options, 'none: the file decides');
  t.same(run(['--admin-token', 'two words']), { kind: 'usage-error', message: '--admin-token must be 1 or more visible ASCII characters (no spaces)' });
  t.same(run([], { SLUICE_ADMIN_TOKEN: '' }), { kind: 'usage-error', message: 'SLUICE_ADMIN_TOKEN must be 1 or more visible ASCII characters (no spaces)' });
  t.same(parseCommandLine(['validate', 'x.yaml', '--admin-token', 'x'], 4), { kind: 'usage-error', message: '--admin-token does not apply to validate' });
});

t.test('--zone: the proxy\'s zone for zone-aware routing (the config and SLUICE_ZONE rank below it)', async (t) => {
  t.same(parseCommandLine(['--config', 'a.yaml', '--zone', 'zone-a'], 4), { kind: 'run', configFile: 'a.yaml', options: { ...defaults, zone: 'zone-a' } });
  t.notOk('zone' in (parseCommandLine(['--config', 'a.yaml'], 4) as { options: object }).options, 'absent: the config, then SLUICE_ZONE, decide');
  t.same(parseCommandLine(['--config', 'a.yaml', '--zone', ''], 4), { kind: 'usage-error', message: '--zone must not be empty' });
  t.same(parseCommandLine(['validate', 'x.yaml', '--zone', 'a'], 4), { kind: 'usage-error', message: '--zone does not apply to validate' });
});
