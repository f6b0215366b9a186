// The protocol between the supervisor (main thread) and the workers (data plane). Everything here
// crosses a MessagePort, so it is plain structured-clone data.
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Snapshot } from '../snapshot.js';
import type { LogLevel } from '../log.js';
import type { ConsecutiveErrorReport } from '../outlier/outcome-recorder.js';

export interface WorkerData {
  readonly index: number;
  /** The EndpointTable's SharedArrayBuffer (same buffer in every thread). */
  readonly endpointTable: SharedArrayBuffer;
  readonly logLevel: LogLevel;
}

/** A listening socket the main thread created; `fd` is this worker's own dup of it. */
export interface ListenerFd {
  readonly key: string;
  readonly fd: number;
  /** The port actually bound (differs from the snapshot's when it asked for port 0). */
  readonly port: number;
}

export type ToWorker =
  | { readonly type: 'snapshot'; readonly snapshot: Snapshot; readonly listenerFds: readonly ListenerFd[] }
  | { readonly type: 'metrics'; readonly id: number }
  | { readonly type: 'drain' }
  /** The admin's /logging changed the level. */
  | { readonly type: 'logLevel'; readonly level: LogLevel }
  /** SIGUSR1 or a reload: open the access log file again (log rotation). */
  | { readonly type: 'reopenLogs' };

export type FromWorker =
  | { readonly type: 'applied'; readonly version: number }
  | { readonly type: 'rejected'; readonly version: number; readonly error: string }
  | { readonly type: 'metrics'; readonly id: number; readonly metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { readonly type: 'drained' }
  /** A consecutive-error outlier (the worker has already ejected it if it could). */
  | { readonly type: 'outlier'; readonly report: ConsecutiveErrorReport };
