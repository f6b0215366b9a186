// Splits and checks `host:port` addresses: listener addresses (IP literal or localhost, port 0..65535)
// and endpoint addresses (IP literal or DNS name, port 1..65535). IPv6 hosts come in brackets.
import { isIP, SocketAddress } from 'node:net';
import { describeValue } from './describe-value.js';

export interface HostPort {
  /** IPv4 literal, canonical IPv6 literal without brackets, or (endpoints only) a lower-case DNS name. */
  readonly host: string;
  readonly port: number;
}

export type HostPortResult = { readonly ok: true; readonly value: HostPort } | { readonly ok: false; readonly reason: string };

const PORT = /^\d{1,5}$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_DNS_NAME_CHARS = 253;
const ALL_DIGITS = /^\d+$/;

/** A listener binds to an IP literal; `localhost` means 127.0.0.1; port 0 asks for any free port. */
export function parseListenerAddress(text: string): HostPortResult {
  const split = splitHostPort(text, 'listener', 0);
  if (!split.ok) return split;
  const { host, port } = split.value;
  if (host === 'localhost') return ok('127.0.0.1', port);
  if (isIP(host) === 0) return fail(`host must be an IP address or localhost, found ${describeValue(text)}`);
  return split;
}

/** An endpoint is an IP literal or a DNS name (resolved at each connect), on a port from 1. */
export function parseEndpointAddress(text: string): HostPortResult {
  const split = splitHostPort(text, 'endpoint', 1);
  if (!split.ok) return split;
  const { host } = split.value;
  if (isIP(host) !== 0) return split;
  // A name whose last label is all digits is a mistyped IP address (127.1, 10.0.0.256), never a DNS name.
  if (isDnsName(host) && !ALL_DIGITS.test(host.slice(host.lastIndexOf('.') + 1))) return split;
  return fail(`host must be an IP address or a DNS name, found ${describeValue(text)}`);
}

/** True for a DNS-1123 subdomain (lower-case labels of letters, digits and inner dashes). */
export function isDnsName(name: string): boolean {
  return name.length <= MAX_DNS_NAME_CHARS && name.split('.').every((label) => DNS_LABEL.test(label));
}

function splitHostPort(text: string, role: 'listener' | 'endpoint', minPort: number): HostPortResult {
  const example = role === 'listener' ? '127.0.0.1:8080' : '10.0.0.7:9000';
  const found = describeValue(text);
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || text[close + 1] !== ':') return fail(`expected [ipv6]:port like [::1]:8080, found ${found}`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
    if (host.includes('%')) return fail(`IPv6 zone ids (%eth0) are not supported, found ${found}`);
    if (isIP(host) !== 6) return fail(`expected an IPv6 address between the brackets, found ${found}`);
    host = new SocketAddress({ address: host, family: 'ipv6' }).address;
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return fail(`expected host:port like ${example}, found ${found}`);
    host = text.slice(0, colon).toLowerCase();
    portText = text.slice(colon + 1);
    if (host.includes(':')) return fail(`an IPv6 address needs brackets, like [::1]:8080, found ${found}`);
    if (host === '') return fail(`expected host:port like ${example} (the host is missing), found ${found}`);
  }
  const port = Number(portText);
  if (!PORT.test(portText) || port < minPort || port > 65_535) {
    return fail(`port must be a whole number from ${minPort} to 65535, found ${found}`);
  }
  return ok(host, port);
}

function ok(host: string, port: number): HostPortResult {
  return { ok: true, value: { host, port } };
}

function fail(reason: string): HostPortResult {
  return { ok: false, reason };
}
