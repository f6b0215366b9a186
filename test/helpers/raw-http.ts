// Raw-socket HTTP exchanges for tests that must send what well-behaved clients refuse to (malformed
// requests, hop-by-hop headers, a body held back for 100 Continue): writes bytes, collects everything
// until the server closes, or converses step by step.
import net from 'node:net';

export interface RawResult {
  /** Everything the server sent, latin1. */
  readonly text: string;
  /** The server closed the connection (rather than the bound being reached). */
  readonly closedByServer: boolean;
}

export function rawExchange(address: string, bytes: string | Buffer, timeoutMs = 10_000): Promise<RawResult> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { socket.destroy(); finish(false); }, timeoutMs);
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByServer });
    };
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => { finish(true); socket.destroy(); });
    socket.on('close', () => finish(true));
    socket.on('error', (error) => { if (!settled && chunks.length === 0) { settled = true; clearTimeout(timer); reject(error); } });
  });
}

/** A raw client conversation: send, wait until the received text matches, send the next, and so on. */
export async function converse(address: string, steps: [send: string, until: RegExp][]): Promise<string> {
  const [host, port] = splitAddress(address);
  const socket = net.connect({ host, port });
  let received = '';
  socket.setEncoding('latin1').on('data', (text: string) => { received += text; });
  try {
    for (const [send, until] of steps) {
      socket.write(send);
      const deadline = Date.now() + 10_000;
      while (!until.test(received)) {
        if (Date.now() > deadline || socket.destroyed) throw new Error(`no ${until} in ${JSON.stringify(received)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    return received;
  } finally {
    socket.destroy();
  }
}

export function splitAddress(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon), Number(address.slice(colon + 1))];
}

/** The header block of the first response in `text`, as a lower-cased name → value map. */
export function responseHeaders(text: string): Record<string, string> {
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}
