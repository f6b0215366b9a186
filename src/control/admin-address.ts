// Parses the `--admin HOST:PORT` flag (IPv6 in brackets); port 0 asks for any free port.

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export const defaultAdminAddress: HostPort = { host: '127.0.0.1', port: 9901 };

/** The address, or an error message saying what is wrong with `text`. */
export function parseHostPort(text: string): HostPort | { error: string } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (match === null) return { error: `expected HOST:PORT (IPv6 as [::1]:PORT), got "${text}"` };
  const port = Number(match[3]);
  if (port > 65535) return { error: `port must be 0–65535, got ${port}` };
  return { host: match[1] ?? match[2]!, port };
}

/** `host:port` for logs and URLs, with IPv6 in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
