// Waits, within a deadline, until a target answers through its protocol's probe: the proof that the
// whole chain is up. HTTP/1.1 and HTTP/2 probes live here; the gRPC one next to the Echo client.
import { get } from 'node:http';
import { connect } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedProcess } from './processes.js';

const RETRY_MS = 100;
export const PROBE_TIMEOUT_MS = 1000;

/** One attempt: 'ok' when the target served it, otherwise what it answered (or why it did not). */
export type Probe = (url: string) => Promise<string>;

/** GET / over HTTP/1.1 answers 200. */
export const http1Probe: Probe = (url) =>
  new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: PROBE_TIMEOUT_MS }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode === 200 ? 'ok' : `status ${response.statusCode}`));
      response.once('error', (error) => resolve(error.message));
    });
    request.once('timeout', () => request.destroy(new Error('probe timed out')));
    request.once('error', (error) => resolve(error.message));
  });

/** GET / over HTTP/2 with TLS (h2 by ALPN, the bench's self-signed certificate) answers 200. */
export const h2Probe: Probe = (url) =>
  new Promise((resolve) => {
    const session = connect(url, { rejectUnauthorized: false });
    const timer = setTimeout(() => session.destroy(new Error('probe timed out')), PROBE_TIMEOUT_MS);
    const settle = (outcome: string): void => {
      clearTimeout(timer);
      session.close();
      resolve(outcome);
    };
    session.once('error', (error) => settle(error.message));
    const request = session.request({ ':path': '/' });
    request.once('response', (headers) => {
      const status = headers[':status'];
      request.resume();
      request.once('end', () => settle(status === 200 ? 'ok' : `status ${status}`));
    });
    request.once('error', (error) => settle(error.message));
  });

/**
 * Resolves once `probe(url)` says 'ok'. Rejects when `timeoutMs` passes or when one of `processes`
 * exits first, with its output tail in the message.
 */
export async function waitUntilServing(url: string, probe: Probe, processes: readonly ManagedProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastOutcome = 'no attempt';
  while (Date.now() < deadline) {
    const dead = processes.find((managed) => managed.exited());
    if (dead !== undefined) {
      throw new Error(`${dead.name} exited during start-up:\n${dead.outputTail()}`);
    }
    lastOutcome = await probe(url);
    if (lastOutcome === 'ok') return;
    await sleep(RETRY_MS);
  }
  const tails = processes.map((managed) => `--- ${managed.name}:\n${managed.outputTail()}`).join('\n');
  throw new Error(`${url} not serving after ${timeoutMs} ms (last probe: ${lastOutcome})\n${tails}`);
}
