// Reads the admin endpoint of a running sluice in tests.
import { request } from 'undici';

export async function adminJson<T = Record<string, unknown>>(admin: string, path: string): Promise<T> {
  const response = await request(`http://${admin}${path}`);
  return (await response.body.json()) as T;
}

export async function adminText(admin: string, path: string): Promise<{ status: number; text: string }> {
  const response = await request(`http://${admin}${path}`);
  return { status: response.statusCode, text: await response.body.text() };
}

/** Polls `check` every 50 ms until it returns true (bounded). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until no endpoint has a request in flight. A worker counts a request done just after its last
 * bytes go out, so a client that has its answer can read the admin a moment before that.
 */
export async function untilNoneActive(admin: string): Promise<void> {
  await eventually(async () => (await adminJson<Array<{ active: number }>>(admin, '/endpoints')).every((endpoint) => endpoint.active === 0),
    10_000, 'every endpoint to have no request in flight');
}

/** The value of one Prometheus sample, e.g. `sluice_worker_connections_total{worker="0"}`. */
export function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(series + ' ')) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
