// What Kubernetes adds to the configuration file: it runs the source (the informers), translates its
// objects on every rebuild, reports each object problem once, and says whether the objects are in the
// running snapshot yet (readiness). Connection settings (kubeconfig, context, namespace) apply at
// start; the translation settings are read from the configuration of each rebuild.
import type { ConfigResult, KubernetesConfig, SluiceConfig } from '../config/index.js';
import { systemScheduler, type Scheduler } from '../control/scheduler.js';
import { log } from '../log.js';
import { composeWithKubernetes } from './compose-config.js';
import { loadKubeConfig } from './kube-config.js';
import { KubernetesSource, type KubernetesEvents } from './kubernetes-source.js';
import { translate, type ObjectProblem } from './translate.js';

export interface KubernetesStatus {
  /** Every kind has been listed at least once. */
  readonly synced: boolean;
  /** A snapshot built from the synced objects runs (the proxy may report ready). */
  readonly applied: boolean;
  /** What the last translation skipped, naming object and field. */
  readonly problems: readonly ObjectProblem[];
}

const problemKey = ({ object, field, message }: ObjectProblem) => `${object}\n${field}\n${message}`;

export class KubernetesOverlay {
  readonly #settings: KubernetesConfig;
  readonly #source: KubernetesSource;
  #problems: readonly ObjectProblem[] = [];
  #reported = new Set<string>();
  /** The last compose included the synced objects; `applied()` then makes it the running state. */
  #composedSynced = false;
  #applied = false;
  /** The connection settings last warned about, so each change is logged once. */
  #warnedFor = '';

  constructor(settings: KubernetesConfig, events: KubernetesEvents, onChange: () => void, scheduler: Scheduler = systemScheduler) {
    this.#settings = settings;
    this.#source = new KubernetesSource({
      kubeConfig: loadKubeConfig(settings),
      ...(settings.namespace === undefined ? {} : { namespace: settings.namespace }),
      scheduler,
      events,
      onChange,
    });
  }

  start(): void {
    this.#source.start();
  }

  stop(): void {
    this.#source.stop();
  }

  /** The file's configuration plus the translated objects; the file's alone until every kind is listed. */
  compose(fileConfig: SluiceConfig): ConfigResult {
    this.#composedSynced = this.#source.synced;
    if (!this.#composedSynced) return { ok: true, config: fileConfig };
    const settings = fileConfig.kubernetes ?? this.#settings;
    this.#warnOnConnectionChange(settings);
    const translated = translate(this.#source.objects(), {
      controllerName: settings.controllerName,
      watchIngressWithoutClass: settings.watchIngressWithoutClass,
    });
    this.#report(translated.problems);
    return composeWithKubernetes(fileConfig, translated);
  }

  /** The configuration from the last `compose` now runs in every worker. */
  applied(): void {
    if (this.#composedSynced) this.#applied = true;
  }

  status(): KubernetesStatus {
    return { synced: this.#source.synced, applied: this.#applied, problems: this.#problems };
  }

  /** Logs the problems not logged before; a problem fixed and broken again is logged again. */
  #report(problems: readonly ObjectProblem[]): void {
    const keys = new Set<string>();
    for (const problem of problems) {
      const key = problemKey(problem);
      keys.add(key);
      if (!this.#reported.has(key)) log.warn('kubernetes object skipped', { object: problem.object, field: problem.field, problem: problem.message });
    }
    this.#problems = problems;
    this.#reported = keys;
  }

  #warnOnConnectionChange(settings: KubernetesConfig): void {
    const changed = (['kubeconfig', 'context', 'namespace'] as const).filter((field) => settings[field] !== this.#settings[field]);
    const key = changed.map((field) => `${field}=${settings[field] ?? ''}`).join('\n');
    if (key !== '' && key !== this.#warnedFor) log.warn('kubernetes connection settings apply at start; restart Sluice to use them', { changed: changed.join(', ') });
    this.#warnedFor = key;
  }
}
