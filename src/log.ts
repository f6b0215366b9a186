// Process-wide logger: one line of JSON per event on stderr. The level is set at start (`--log-level`)
// and may be changed at run time (admin /logging); never call it per request on the hot path.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
export const logLevels = Object.keys(order) as LogLevel[];

let threshold = order.info;
let current: LogLevel = 'info';
let component = 'main';

export function configureLog(level: LogLevel, name?: string): void {
  threshold = order[level];
  current = level;
  if (name !== undefined) component = name;
}

export function logLevel(): LogLevel {
  return current;
}

export function isLogLevel(text: string): text is LogLevel {
  return Object.hasOwn(order, text);
}

function write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
  if (order[level] < threshold) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields });
  process.stderr.write(line + '\n');
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
};
