// Calls back (debounced) when any of the configuration's files changes: the config file itself and
// the certificate and key files it names. Watches each file's directory rather than the file, so
// editors and tools that write a new file and rename it over the old one (cert-manager, kubectl's
// Secret volumes) are still seen.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { log } from '../log.js';

export const CONFIG_WATCH_DEBOUNCE_MS = 100;

export interface ConfigWatcher {
  /** The absolute paths watched. */
  readonly files: ReadonlySet<string>;
  close(): void;
}

export function watchFiles(files: Iterable<string>, onChange: () => void, debounceMs = CONFIG_WATCH_DEBOUNCE_MS): ConfigWatcher {
  const watched = new Set([...files].map((file) => path.resolve(file)));
  const namesByDirectory = new Map<string, Set<string>>();
  for (const file of watched) {
    const directory = path.dirname(file);
    let names = namesByDirectory.get(directory);
    if (names === undefined) namesByDirectory.set(directory, (names = new Set()));
    names.add(path.basename(file));
  }
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [...namesByDirectory].map(([directory, names]) => {
    const watcher = watch(directory, { persistent: false }, (_event, changed) => {
      // Some platforms do not report the name; then any change in the directory may be ours.
      if (changed !== null && !names.has(changed)) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.on('error', (error) => log.warn('file watch failed; reload with SIGHUP', { directory, error: String(error) }));
    return watcher;
  });
  return {
    files: watched,
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
