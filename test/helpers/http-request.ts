// One HTTP/1.1 request on its own connection (no agent: every request may land on another worker),
// answering status and body text.
import http from 'node:http';
import https from 'node:https';
import { splitAddress } from './raw-http.js';

export interface SendOptions {
  readonly method?: string;
  readonly host?: string;
  readonly path?: string;
  readonly body?: string;
  readonly headers?: http.OutgoingHttpHeaders;
  /** https with this CA (certificate PEM) and `host` as SNI. */
  readonly ca?: string;
}

export function send(address: string, options: SendOptions = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const [hostname, port] = splitAddress(address);
  const { method = 'GET', host = 'localhost', path = '/', body, ca } = options;
  const headers = { host, ...options.headers, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) };
  return new Promise((resolve, reject) => {
    const requestOptions = { host: hostname, port, method, path, headers, agent: false as const };
    const onResponse = (response: http.IncomingMessage) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode!, body: text, headers: response.headers }));
      response.on('error', reject);
    };
    const request = ca === undefined ? http.request(requestOptions, onResponse) : https.request({ ...requestOptions, ca, servername: host }, onResponse);
    request.on('error', reject);
    request.setTimeout(15_000, () => request.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
    request.end(body);
  });
}
