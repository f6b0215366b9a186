// Reads and validates a configuration: YAML text or an already-parsed object in, either a typed
// SluiceConfig or every problem found out. Never throws for a bad configuration.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { crossCheck } from './cross-checks.js';
import { issueMessage, problemsFromIssues } from './issues.js';
import { configSchema } from './schema.js';
import type { ConfigProblem, ConfigResult, SluiceConfig } from './sluice-config.js';

/** `address: [::1]:8080` unquoted: YAML reads the brackets as a list and stumbles on the port. */
const UNQUOTED_IPV6 = /:\s*\[[0-9A-Fa-f:.]*\]:\d/;

/**
 * Certificate and key paths are resolved against `baseDir` (the configuration file's directory) and
 * read synchronously: this is load/reload work on the control plane, never on a request's path.
 */
export function validateConfig(data: unknown, baseDir: string = process.cwd()): ConfigResult {
  const schema = configSchema(baseDir);
  const parsed = schema.safeParse(data, { error: issueMessage, reportInput: true });
  const problems = [...(parsed.success ? [] : problemsFromIssues(schema, parsed.error.issues)), ...crossCheck(data)];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const config: SluiceConfig = parsed.data;
  return { ok: true, config };
}

export function parseConfig(text: string, baseDir: string = process.cwd()): ConfigResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      const lineText = text.slice(lineCounter.lineStarts[line - 1], lineCounter.lineStarts[line] ?? text.length);
      const hint = UNQUOTED_IPV6.test(lineText) ? ' (an IPv6 address must be quoted: "[::1]:8080")' : '';
      return { path: '', message: `YAML syntax error at line ${line}, column ${col}: ${error.message}${hint}` };
    });
    return { ok: false, problems };
  }
  if (document.contents === null) return { ok: false, problems: [{ path: '', message: 'the configuration is empty' }] };
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // Only alias bombs get here (yaml caps how many times an alias may be expanded).
    return { ok: false, problems: [{ path: '', message: `cannot read the YAML: ${(error as Error).message}` }] };
  }
  return validateConfig(data, baseDir);
}

export async function loadConfigFile(file: string): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { ok: false, problems: [{ path: '', message: `cannot read the file: ${(error as Error).message}` }] };
  }
  return parseConfig(text, dirname(file));
}

/** One line per problem, `${file}: ${path}: ${message}`; a problem with no path drops that part. */
export function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  return problems.map(({ path, message }) => (path === '' ? `${file}: ${message}` : `${file}: ${path}: ${message}`)).join('\n');
}
