// Which upstream HTTP/2 streams the peer never processed, so a request on one can be replayed safely.
// It only records and answers; deciding to retry belongs to the exchange.
import http2, { type ClientHttp2Stream } from 'node:http2';

const { NGHTTP2_REFUSED_STREAM } = http2.constants;

/** Streams numbered beyond the last stream id of a GOAWAY the peer sent (their own rstCode may say anything). */
const refusedByGoaway = new WeakSet<ClientHttp2Stream>();

export function markRefusedByGoaway(stream: ClientHttp2Stream): void {
  refusedByGoaway.add(stream);
}

/** True when the stream was refused before the peer processed it (REFUSED_STREAM, or beyond a GOAWAY's last
 *  stream id), so the request can be replayed safely on another session. */
export function wasRefused(stream: ClientHttp2Stream): boolean {
  return stream.rstCode === NGHTTP2_REFUSED_STREAM || refusedByGoaway.has(stream);
}
