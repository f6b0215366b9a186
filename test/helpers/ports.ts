// Addresses for tests that need an endpoint that refuses connections.
import net from 'node:net';

/** `127.0.0.1:port` where nothing listens: a server's port, closed again. */
export async function closedAddress(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}
