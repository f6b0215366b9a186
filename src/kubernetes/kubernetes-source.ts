// Keeps a cache of the Kubernetes objects Sluice routes by, through one informer (list, then watch
// from the list's resourceVersion; relist on 410 Gone) per kind, and says when it changed. Nothing is
// reported until every kind has been listed once, so the first configuration built from Kubernetes is
// never a partial one (Ingresses known, their EndpointSlices not yet: every request a 503).
// A failed list or watch is retried with a doubling back-off; the cache, and so the configuration
// the proxy serves, stays as it was while the API server is away.
import {
  ListWatch, Watch, type KubeConfig, type KubernetesObject, type V1EndpointSlice, type V1Ingress, type V1IngressClass, type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import type { Scheduler } from '../control/scheduler.js';
import { log } from '../log.js';
import { watchedResources, type ResourceName, type WatchedResource } from './resources.js';
import type { KubernetesObjects } from './translate.js';

/** What the source reports, for metrics; `resource` is the API's plural name (`endpointslices`). */
export interface KubernetesEvents {
  /** One event of a watch stream: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR. */
  watchEvent(resource: string, type: string): void;
  /** A full list arrived: the cache holds what the API server holds. */
  listed(resource: string): void;
  /** The cache heard from the API server (a list or a watch event) at `timeMs`. */
  heard(resource: string, timeMs: number): void;
  /** A list or watch failed; it is retried after a back-off. */
  failed(resource: string): void;
}

export interface KubernetesSourceOptions {
  readonly kubeConfig: KubeConfig;
  /** Watch one namespace only; absent: all of them. */
  readonly namespace?: string;
  readonly scheduler: Scheduler;
  readonly events: KubernetesEvents;
  /** Called once every kind is listed, and after each change from then on: `debounceMs` after the first change, for all the changes until then. */
  readonly onChange: () => void;
  readonly debounceMs?: number;
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
}

const DEFAULT_DEBOUNCE_MS = 100;
const DEFAULT_RETRY = { initialMs: 500, maxMs: 30_000 };

/** Asks for bookmarks and counts every event of the watch streams it opens, the BOOKMARKs and ERRORs the informer swallows included. */
class CountingWatch extends Watch {
  readonly #resource: string;
  readonly #events: KubernetesEvents;
  readonly #scheduler: Scheduler;
  readonly #heard: () => void;
  readonly #stopped: () => boolean;

  constructor(config: KubeConfig, resource: string, events: KubernetesEvents, scheduler: Scheduler, heard: () => void, stopped: () => boolean) {
    super(config);
    this.#resource = resource;
    this.#events = events;
    this.#scheduler = scheduler;
    this.#heard = heard;
    this.#stopped = stopped;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    // The informer goes on from a list to its watch even when stopped while the list was in flight, and
    // stop() cannot abort a watch still connecting: either would stay open for good.
    if (this.#stopped()) return new AbortController();
    // The informer does not ask for bookmarks; with them a quiet watch still moves its resourceVersion
    // forward, so a reconnect after a long quiet spell resumes instead of getting 410 Gone and relisting.
    const controller = await super.watch(path, { ...queryParams, allowWatchBookmarks: true }, (phase, apiObj, watchObj) => {
      this.#events.watchEvent(this.#resource, phase);
      if (phase !== 'ERROR') {
        this.#events.heard(this.#resource, this.#scheduler.now());
        this.#heard();
      }
      callback(phase, apiObj, watchObj);
    }, done);
    if (this.#stopped()) controller.abort();
    return controller;
  }
}

class ResourceInformer {
  readonly resource: WatchedResource;
  readonly informer: ListWatch<KubernetesObject>;
  listed = false;
  #failures = 0;
  #stopped = false;
  #cancelRetry: (() => void) | undefined;

  constructor(resource: WatchedResource, options: KubernetesSourceOptions, changed: () => void) {
    this.resource = resource;
    const { events, scheduler } = options;
    const retry = options.retry ?? DEFAULT_RETRY;
    const list = async () => {
      const result = await resource.list();
      this.listed = true;
      this.#failures = 0;
      events.listed(resource.plural);
      events.heard(resource.plural, scheduler.now());
      // The last kind to be listed may hold no objects, so no add would say the cache is complete.
      changed();
      return result;
    };
    // A watch that delivers an event works: the next failure is no consecutive one and waits initialMs again.
    const watch = new CountingWatch(options.kubeConfig, resource.plural, events, scheduler, () => { this.#failures = 0; }, () => this.#stopped);
    this.informer = new ListWatch(resource.path, watch, list, false, undefined, resource.fieldSelector);
    this.informer.on('change', changed);
    this.informer.on('error', (error: unknown) => {
      // Stopping aborts the open watch, which the informer reports as an error too.
      if (this.#stopped) return;
      events.failed(resource.plural);
      const delayMs = Math.min(retry.maxMs, retry.initialMs * 2 ** this.#failures++);
      log.warn('kubernetes list/watch failed; retrying, still serving the last configuration', {
        resource: resource.plural, error: describeError(error), retryInMs: delayMs,
      });
      this.#cancelRetry = scheduler.after(delayMs, () => {
        this.#cancelRetry = undefined;
        void this.informer.start();
      });
    });
  }

  start(): void {
    void this.informer.start();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelRetry?.();
    void this.informer.stop();
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { statusCode?: number; code?: number }).statusCode ?? (error as { code?: unknown }).code;
    return status === undefined ? error.message : `${error.message} (${String(status)})`;
  }
  return String(error);
}

export class KubernetesSource {
  readonly #informers: ResourceInformer[];
  readonly #options: KubernetesSourceOptions;
  #cancelDebounce: (() => void) | undefined;
  #stopped = false;

  constructor(options: KubernetesSourceOptions) {
    this.#options = options;
    const changed = () => this.#changed();
    this.#informers = watchedResources(options.kubeConfig, options.namespace)
      .map((resource) => new ResourceInformer(resource, options, changed));
  }

  start(): void {
    for (const informer of this.#informers) informer.start();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelDebounce?.();
    for (const informer of this.#informers) informer.stop();
  }

  /** Every kind has been listed at least once. */
  get synced(): boolean {
    return this.#informers.every((informer) => informer.listed);
  }

  /** The cached objects of every kind. */
  objects(): KubernetesObjects {
    // Each informer lists the kind its path names; the casts say which one that is.
    const cached = (name: ResourceName) => this.#informers.find((informer) => informer.resource.name === name)!.informer.list();
    return {
      ingresses: cached('ingresses') as V1Ingress[],
      ingressClasses: cached('ingressClasses') as V1IngressClass[],
      services: cached('services') as V1Service[],
      endpointSlices: cached('endpointSlices') as V1EndpointSlice[],
      secrets: cached('secrets') as V1Secret[],
    };
  }

  #changed(): void {
    // The first change schedules the onChange, which reads the whole cache; later ones ride along rather
    // than postpone it, so a steady stream of changes (EndpointSlices in a rollout) still gets through.
    if (this.#stopped || !this.synced || this.#cancelDebounce !== undefined) return;
    this.#cancelDebounce = this.#options.scheduler.after(this.#options.debounceMs ?? DEFAULT_DEBOUNCE_MS, () => {
      this.#cancelDebounce = undefined;
      this.#options.onChange();
    });
  }
}
