// Calls back (debounced) when the configuration file changes. Watches the file's directory rather
// than the file, so editors that write a new file and rename it over the old one are still seen.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { log } from '../log.js';

export const CONFIG_WATCH_DEBOUNCE_MS = 100;

export interface ConfigWatcher {
  close(): void;
}

export function watchConfigFile(file: string, onChange: () => void, debounceMs = CONFIG_WATCH_DEBOUNCE_MS): ConfigWatcher {
  const directory = path.dirname(path.resolve(file));
  const name = path.basename(file);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(directory, { persistent: false }, (_event, changed) => {
    // Some platforms do not report the name; then any change in the directory may be ours.
    if (changed !== null && changed !== name) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on('error', (error) => log.warn('config file watch failed; reload with SIGHUP', { file, error: String(error) }));
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
