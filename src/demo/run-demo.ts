// `sluice demo`: starts the demo upstreams, then the proxy in front of them with the built-in
// configuration; stop() takes both down.
import type { RunOptions } from '../control/command-line.js';
import { Supervisor } from '../control/supervisor.js';
import { demoConfig, DEMO_LISTENER_ADDRESS } from './demo-config.js';
import { startDemoUpstreams } from './demo-upstreams.js';

export interface RunningDemo {
  stop(): Promise<void>;
}

export async function runDemo(options: RunOptions, print: (line: string) => void): Promise<RunningDemo> {
  const demo = await startDemoUpstreams();
  const supervisor = new Supervisor({ config: demoConfig(demo.upstreams), ...options });
  try {
    await supervisor.start();
  } catch (error) {
    await demo.close();
    throw error;
  }
  const endpoints = demo.upstreams.map(({ name, zone, address }) => `${name} (${zone}) at ${address}`).join(', ');
  print(`Sluice demo is running: the proxy on ${DEMO_LISTENER_ADDRESS} balances over ${endpoints}.`);
  print(`Try: curl http://${DEMO_LISTENER_ADDRESS}/   (run it a few times; Ctrl-C stops the demo)`);
  return {
    async stop() {
      await supervisor.stop();
      await demo.close();
    },
  };
}
