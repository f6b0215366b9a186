// gRPC end-to-end helpers: @grpc/grpc-js Echo servers on 127.0.0.1:0 that answer with their own name
// and record what they received, a typed Echo client, and bounded promise wrappers around its calls.
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { packageRoot } from '../../src/control/package-root.js';

export interface EchoMessage { text: string; number: number }

// Request metadata that steers a backend: sleep before a unary answer (or before a server stream's end),
// or fail a unary call with a status.
export const SLEEP_MS_KEY = 'x-sleep-ms';
export const FAIL_CODE_KEY = 'x-fail-code';

/** Every call without an explicit deadline gets this one, so no test waits forever on a call. */
export const DEFAULT_DEADLINE_MS = 15_000;

const packageDefinition = loadSync(path.join(packageRoot(import.meta.url), 'test', 'fixtures', 'echo.proto'), { defaults: true });
const echoService = packageDefinition['sluice.test.Echo'] as grpc.ServiceDefinition;

type Callback = grpc.requestCallback<EchoMessage>;
export interface EchoClient extends grpc.Client {
  Unary(request: EchoMessage, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback): grpc.ClientUnaryCall;
  ClientStream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback): grpc.ClientWritableStream<EchoMessage>;
  ServerStream(request: EchoMessage, metadata: grpc.Metadata, options: grpc.CallOptions): grpc.ClientReadableStream<EchoMessage>;
  Bidi(metadata: grpc.Metadata, options: grpc.CallOptions): grpc.ClientDuplexStream<EchoMessage, EchoMessage>;
}
const EchoClientConstructor = grpc.makeClientConstructor(echoService, 'Echo') as unknown as new (
  address: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions,
) => EchoClient;

interface Teardown { teardown(fn: () => unknown): void }

export interface EchoBackend {
  readonly name: string;
  readonly address: string;
  readonly server: grpc.Server;
  /** Calls received so far, of every method. */
  calls: number;
  /** Unary and server-streaming calls whose stream closed before the backend's answer ended (client gone, reset, or deadline passed). */
  cancelledBeforeAnswer: number;
  /** Messages of the last client-streaming or bidi call, in arrival order. */
  streamed: EchoMessage[];
  /** Metadata of the last call. */
  lastMetadata: grpc.Metadata | undefined;
  /** The deadline the last call carried (from grpc-timeout), Infinity without one. */
  lastDeadline: grpc.Deadline | undefined;
}

/** The backend's own initial metadata: its name, and the request's x-request-tag echoed back. */
function initialMetadata(backend: EchoBackend, request: grpc.Metadata): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('x-backend', backend.name);
  const tag = request.get('x-request-tag')[0];
  if (tag !== undefined) metadata.set('x-echo-tag', tag);
  return metadata;
}

/** Trailers of every answer, so tests see trailers on success and on failure. */
function trailers(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('x-trailer', 'yes');
  metadata.set('x-trailer-bin', Buffer.from([0, 1, 2, 0xfe, 0xff]));
  return metadata;
}

function firstNumber(metadata: grpc.Metadata, key: string): number | undefined {
  const value = metadata.get(key)[0];
  return value === undefined ? undefined : Number(value);
}

/** What every server call shape shares (grpc-js does not export its ServerSurfaceCall type). */
type SurfaceCall = Pick<grpc.ServerUnaryCall<EchoMessage, EchoMessage>, 'metadata' | 'getDeadline' | 'sendMetadata'>;

function implementation(backend: EchoBackend): grpc.UntypedServiceImplementation {
  const begin = (call: SurfaceCall) => {
    backend.calls++;
    backend.lastMetadata = call.metadata;
    backend.lastDeadline = call.getDeadline();
    call.sendMetadata(initialMetadata(backend, call.metadata));
  };
  return {
    // Answers { text: backend name, number: the request's number }; x-sleep-ms delays it, x-fail-code
    // fails it with that code and the request's text as the message.
    Unary(call: grpc.ServerUnaryCall<EchoMessage, EchoMessage>, callback: grpc.sendUnaryData<EchoMessage>) {
      begin(call);
      let answered = false;
      // grpc-js emits 'cancelled' whenever the stream closes, so only a close before the answer counts.
      call.on('cancelled', () => { if (!answered) backend.cancelledBeforeAnswer++; });
      const answer = () => {
        if (call.cancelled) return;
        answered = true;
        const failCode = firstNumber(call.metadata, FAIL_CODE_KEY);
        if (failCode !== undefined) callback({ code: failCode, details: call.request.text, metadata: trailers() });
        else callback(null, { text: backend.name, number: call.request.number }, trailers());
      };
      const sleepMs = firstNumber(call.metadata, SLEEP_MS_KEY);
      if (sleepMs === undefined) answer();
      else setTimeout(answer, sleepMs);
    },
    // Records every message; answers { text: backend name, number: messages received }.
    ClientStream(call: grpc.ServerReadableStream<EchoMessage, EchoMessage>, callback: grpc.sendUnaryData<EchoMessage>) {
      begin(call);
      const received: EchoMessage[] = [];
      backend.streamed = received;
      call.on('data', (message: EchoMessage) => received.push(message));
      call.on('end', () => callback(null, { text: backend.name, number: received.length }, trailers()));
    },
    // Sends `number` messages { text: `${text}:${i}`, number: i }, honouring backpressure; x-sleep-ms
    // delays the end (with its trailers) after the last message.
    ServerStream(call: grpc.ServerWritableStream<EchoMessage, EchoMessage>) {
      begin(call);
      const { text, number: count } = call.request;
      let ended = false;
      let sleeping: NodeJS.Timeout | undefined;
      call.on('cancelled', () => {
        clearTimeout(sleeping);
        if (!ended) backend.cancelledBeforeAnswer++;
      });
      const end = () => {
        if (call.cancelled) return;
        ended = true;
        call.end(trailers());
      };
      const sleepMs = firstNumber(call.metadata, SLEEP_MS_KEY);
      let next = 0;
      const pump = () => {
        while (next < count && !call.cancelled) {
          const more = call.write({ text: `${text}:${next}`, number: next });
          next++;
          if (!more) return void call.once('drain', pump);
        }
        if (sleepMs === undefined) end();
        else sleeping = setTimeout(end, sleepMs);
      };
      pump();
    },
    // Echoes each message as it arrives and records it; ends with trailers when the client ends.
    Bidi(call: grpc.ServerDuplexStream<EchoMessage, EchoMessage>) {
      begin(call);
      const received: EchoMessage[] = [];
      backend.streamed = received;
      call.on('data', (message: EchoMessage) => {
        received.push(message);
        if (call.write(message)) return;
        call.pause();
        call.once('drain', () => call.resume());
      });
      call.on('end', () => call.end(trailers()));
    },
  };
}

/** Starts one insecure Echo server per name on 127.0.0.1:0; each is shut down at teardown. */
export async function startEchoBackends(t: Teardown, names: readonly string[]): Promise<EchoBackend[]> {
  return Promise.all(names.map(async (name) => {
    const server = new grpc.Server();
    const backend: EchoBackend = {
      name, address: '', server, calls: 0, cancelledBeforeAnswer: 0, streamed: [], lastMetadata: undefined, lastDeadline: undefined,
    };
    server.addService(echoService, implementation(backend));
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
    });
    Object.assign(backend, { address: `127.0.0.1:${port}` });
    t.teardown(() => server.forceShutdown());
    return backend;
  }));
}

/** One client (one channel) to `address`, closed at teardown. */
export function echoClient(t: Teardown, address: string): EchoClient {
  const client = new EchoClientConstructor(address, grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  return client;
}

export function deadlineIn(ms: number = DEFAULT_DEADLINE_MS): grpc.CallOptions {
  return { deadline: Date.now() + ms };
}

/** How a call ended, whatever its status. */
export interface CallOutcome<R> {
  readonly result: R | undefined;
  readonly status: grpc.StatusObject;
  /** Initial (header) metadata; empty for a trailers-only answer. */
  readonly headers: grpc.Metadata | undefined;
}

/** Resolves once both the callback and the status of a unary-answer call have arrived (either order). */
function settleUnaryAnswer(start: (callback: Callback) => grpc.ClientUnaryCall | grpc.ClientWritableStream<EchoMessage>): Promise<CallOutcome<EchoMessage>> {
  return new Promise((resolve) => {
    let result: EchoMessage | undefined;
    let status: grpc.StatusObject | undefined;
    let headers: grpc.Metadata | undefined;
    let answered = false;
    const finish = () => { if (answered && status) resolve({ result, status, headers }); };
    const call = start((_error, value) => { result = value; answered = true; finish(); });
    call.on('metadata', (metadata: grpc.Metadata) => { headers = metadata; });
    call.on('status', (received: grpc.StatusObject) => { status = received; finish(); });
  });
}

export function callUnary(client: EchoClient, request: EchoMessage, metadata = new grpc.Metadata(), options = deadlineIn()): Promise<CallOutcome<EchoMessage>> {
  return settleUnaryAnswer((callback) => client.Unary(request, metadata, options, callback));
}

/** Writes every message with backpressure, ends the stream, and resolves with the single answer. */
export function callClientStream(client: EchoClient, messages: readonly EchoMessage[], options = deadlineIn()): Promise<CallOutcome<EchoMessage>> {
  return settleUnaryAnswer((callback) => {
    const call = client.ClientStream(new grpc.Metadata(), options, callback);
    void writeAll(call, messages).then(() => call.end());
    return call;
  });
}

/** Collects every message of a server stream. */
export function callServerStream(
  client: EchoClient, request: EchoMessage, metadata = new grpc.Metadata(), options = deadlineIn(),
): Promise<CallOutcome<EchoMessage[]>> {
  return new Promise((resolve) => {
    const received: EchoMessage[] = [];
    let headers: grpc.Metadata | undefined;
    const call = client.ServerStream(request, metadata, options);
    call.on('metadata', (metadata: grpc.Metadata) => { headers = metadata; });
    call.on('data', (message: EchoMessage) => received.push(message));
    // An errored stream emits 'error' as well as 'status'; the status tells the test all it needs.
    call.on('error', () => {});
    call.on('status', (status: grpc.StatusObject) => resolve({ result: received, status, headers }));
  });
}

/** Writes every message with backpressure while reading the echoes; resolves with all echoes. */
export function callBidi(client: EchoClient, messages: readonly EchoMessage[], options = deadlineIn()): Promise<CallOutcome<EchoMessage[]>> {
  return new Promise((resolve) => {
    const received: EchoMessage[] = [];
    let headers: grpc.Metadata | undefined;
    const call = client.Bidi(new grpc.Metadata(), options);
    call.on('metadata', (metadata: grpc.Metadata) => { headers = metadata; });
    call.on('data', (message: EchoMessage) => received.push(message));
    call.on('error', () => {});
    call.on('status', (status: grpc.StatusObject) => resolve({ result: received, status, headers }));
    void writeAll(call, messages).then(() => call.end());
  });
}

async function writeAll(call: grpc.ClientWritableStream<EchoMessage> | grpc.ClientDuplexStream<EchoMessage, EchoMessage>, messages: readonly EchoMessage[]): Promise<void> {
  for (const message of messages) {
    if (call.destroyed) return;
    if (!call.write(message)) {
      await new Promise<void>((resolve) => {
        const done = () => { call.off('drain', done); call.off('close', done); resolve(); };
        call.on('drain', done);
        call.on('close', done);
      });
    }
  }
}

/** Polls `predicate` every 10 ms; rejects after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
