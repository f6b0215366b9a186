// Waits, within a deadline, until a target answers GET / with 200: the proof that the whole chain is up.
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedProcess } from './processes.js';

const RETRY_MS = 100;
const PROBE_TIMEOUT_MS = 1000;

function probe(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: PROBE_TIMEOUT_MS }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode));
      response.once('error', () => resolve(undefined));
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(undefined));
  });
}

/**
 * Resolves once `url` answers 200. Rejects when `timeoutMs` passes or when one of `processes`
 * exits first, with its output tail in the message.
 */
export async function waitUntilServing(url: string, processes: readonly ManagedProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastStatus: number | undefined;
  while (Date.now() < deadline) {
    const dead = processes.find((managed) => managed.exited());
    if (dead !== undefined) {
      throw new Error(`${dead.name} exited during start-up:\n${dead.outputTail()}`);
    }
    lastStatus = await probe(url);
    if (lastStatus === 200) return;
    await sleep(RETRY_MS);
  }
  const tails = processes.map((managed) => `--- ${managed.name}:\n${managed.outputTail()}`).join('\n');
  throw new Error(`${url} not serving after ${timeoutMs} ms (last status ${lastStatus ?? 'none'})\n${tails}`);
}
