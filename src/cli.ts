#!/usr/bin/env node
// The `sluice` command: parses arguments, then runs the proxy, the demo or a configuration check.
// Exit codes: 0 clean stop, 2 invalid configuration or arguments, 1 anything else.
import { availableParallelism } from 'node:os';
import { formatProblems, loadConfigFile } from './config/index.js';
import { parseCommandLine, usage, type RunOptions } from './control/command-line.js';
import { packageVersion } from './control/package-root.js';
import { handleProcessSignals } from './control/signals.js';
import { Supervisor } from './control/supervisor.js';
import { runDemo } from './demo/run-demo.js';
import { configureLog } from './log.js';

const EXIT_FAILURE = 1;
const EXIT_INVALID = 2;

const printOut = (line: string) => process.stdout.write(line + '\n');
const printError = (line: string) => process.stderr.write(line + '\n');

async function validate(file: string): Promise<number> {
  const result = await loadConfigFile(file);
  if (!result.ok) {
    printError(formatProblems(file, result.problems));
    return EXIT_INVALID;
  }
  printOut(`${file}: ok`);
  return 0;
}

async function run(configFile: string, options: RunOptions): Promise<number | undefined> {
  const result = await loadConfigFile(configFile);
  if (!result.ok) {
    printError(formatProblems(configFile, result.problems));
    return EXIT_INVALID;
  }
  const { zone, ...rest } = options;
  const supervisor = new Supervisor({ config: result.config, configFile, ...rest, zoneSources: { flag: zone, env: process.env['SLUICE_ZONE'] } });
  await supervisor.start();
  handleProcessSignals({ reload: () => supervisor.reload(), reopenLogs: () => supervisor.reopenLogs(), stop: () => supervisor.stop() });
  return undefined;
}

async function demo(options: RunOptions): Promise<undefined> {
  const running = await runDemo(options, printOut);
  handleProcessSignals({ stop: () => running.stop() });
  return undefined;
}

/** The exit code for commands that finish, undefined for those that keep running until a signal. */
async function main(args: readonly string[]): Promise<number | undefined> {
  const command = parseCommandLine(args, availableParallelism(), process.env);
  switch (command.kind) {
    case 'help':
      process.stdout.write(usage);
      return 0;
    case 'version':
      printOut(packageVersion());
      return 0;
    case 'usage-error':
      printError(`sluice: ${command.message}\nRun "sluice --help" for usage.`);
      return EXIT_INVALID;
    case 'validate':
      return validate(command.file);
    case 'run':
      configureLog(command.options.logLevel);
      return run(command.configFile, command.options);
    case 'demo':
      configureLog(command.options.logLevel);
      return demo(command.options);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    printError(`sluice: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(EXIT_FAILURE);
  },
);
