// The HTTP/1.1 codec: head parsing and serializing, and chunked-body framing. Everything the engine uses.
export { findHeadEnd } from './head-end.js';
export {
  HeaderKind, isParseFailure,
  type MessageHead, type ParseErrorCode, type ParseFailure, type RequestHead, type ResponseHead,
} from './message-head.js';
export { parseRequestHead } from './request-head.js';
export { parseResponseHead } from './response-head.js';
export { MAX_RESPONSE_HEAD_BYTES, ResponseHeadReader } from './response-head-reader.js';
export { CHUNKED_CONTINUES, CHUNKED_INVALID, ChunkedScanner, type BodyDataHandler } from './chunked-scanner.js';
export { serializeRequestHead, serializeResponseHead } from './serialize.js';
