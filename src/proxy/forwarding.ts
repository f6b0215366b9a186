// What a proxy hop adds to a request, in one place for the HTTP/1.1 engine's HTTP/2 bridge and the
// HTTP/2 exchange: the X-Forwarded-* fields, and where `redirectToHttps` sends a client. (The HTTP/1.1
// serializer writes the same fields straight into its head string, for speed.)
import { requestHostName } from '../routing/request-host.js';
import type { ListenerRuntime } from '../worker/runtime.js';

/** Sets X-Forwarded-For (the incoming chain plus the client), -Proto, -Host and -Port on `fields`. */
export function setForwardedFields(
  fields: Record<string, unknown>, incomingFor: string | string[] | undefined, clientIp: string,
  listener: ListenerRuntime, host: string | undefined,
): void {
  fields['x-forwarded-for'] = incomingFor === undefined ? clientIp : `${incomingFor}, ${clientIp}`;
  fields['x-forwarded-proto'] = listener.proto;
  if (host !== undefined) fields['x-forwarded-host'] = host;
  fields['x-forwarded-port'] = listener.portText;
}

/** The https URL for the same host (port dropped) and request-target, on `httpsPort`. */
export function httpsLocation(host: string, httpsPort: number, target: string): string {
  return `https://${requestHostName(host)}${httpsPort === 443 ? '' : `:${httpsPort}`}${target}`;
}
