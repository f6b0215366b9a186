// Turns measured outcomes into the console table, the sluice ratios, and the markdown for RESULTS.md.
import type { LatencyColumns, LoadFigures } from './load.js';
import type { SuiteName, TargetName } from './options.js';

export type TargetOutcome =
  | {
    readonly name: TargetName;
    readonly status: 'measured';
    readonly figures: LoadFigures;
    readonly peakRssMiB: number | undefined;
    /** The target's own CPU time over the measured run per request completed; undefined without a process of its own. */
    readonly cpuUsPerRequest: number | undefined;
  }
  | { readonly name: TargetName; readonly status: 'skipped'; readonly reason: string }
  /** The load run did not complete (its generator failed, or overran its hard limit and was killed). */
  | { readonly name: TargetName; readonly status: 'failed'; readonly reason: string };

type MeasuredOutcome = Extract<TargetOutcome, { readonly status: 'measured' }>;

export interface Ratio {
  /** e.g. "sluice/nginx": sluice's average req/s over the other target's. */
  readonly label: string;
  readonly value: number;
}

export interface BenchReport {
  readonly date: string;
  readonly node: string;
  readonly nproc: number;
  readonly command: string;
  /** Whether proxies ran on core 0 and the load generator and backend on core 1. */
  readonly pinned: boolean;
  readonly suite: SuiteName;
  /** What crosses the proxy, e.g. "HTTP/1.1". */
  readonly protocol: string;
  readonly loadGenerator: string;
  /** The traffic the load generator sends, e.g. "64 keep-alive connections, GET /". */
  readonly workload: string;
  readonly latencyColumns: LatencyColumns;
  readonly connections: number;
  readonly warmupSec: number;
  readonly durationSec: number;
  readonly outcomes: readonly TargetOutcome[];
  readonly ratios: readonly Ratio[];
}

/** Targets sluice is compared against, in the order the ratios are printed. */
const COMPARED: readonly TargetName[] = ['nginx', 'http-proxy', 'undici-proxy', 'direct'];

/** Sluice's figure over each compared target's, when both are known and the other is not 0. */
function ratiosOf(outcomes: readonly TargetOutcome[], figure: (outcome: MeasuredOutcome) => number | undefined, suffix: string): Ratio[] {
  const values = new Map<TargetName, number>();
  for (const outcome of outcomes) {
    const value = outcome.status === 'measured' ? figure(outcome) : undefined;
    if (value !== undefined) values.set(outcome.name, value);
  }
  const sluice = values.get('sluice');
  if (sluice === undefined) return [];
  return COMPARED.flatMap((name) => {
    const other = values.get(name);
    return other === undefined || other === 0 ? [] : [{ label: `sluice/${name}${suffix}`, value: sluice / other }];
  });
}

/** Requests/s ratios, then CPU-per-request ratios (above 1: Sluice spends more CPU on a request). */
export function sluiceRatios(outcomes: readonly TargetOutcome[]): Ratio[] {
  return [
    ...ratiosOf(outcomes, (outcome) => outcome.figures.requestsPerSecAverage, ''),
    ...ratiosOf(outcomes, (outcome) => outcome.cpuUsPerRequest, ' CPU/req'),
  ];
}

/** Errors plus non-2xx answers; any of them makes the run's figures suspect. */
export function failuresOf(figures: LoadFigures): number {
  return figures.errors + figures.non2xx;
}

function headerOf(report: BenchReport): string[] {
  const { typical, tail } = report.latencyColumns;
  return ['target', 'req/s avg', 'req/s p50', `lat ${typical} ms`, `lat ${tail} ms`, 'errors+non2xx', 'peak RSS MiB', 'CPU µs/req'];
}

function rowOf(outcome: TargetOutcome): string[] {
  if (outcome.status !== 'measured') return [outcome.name, `${outcome.status}: ${outcome.reason}`, '', '', '', '', '', ''];
  const { figures } = outcome;
  const failures = failuresOf(figures);
  return [
    outcome.name,
    Math.round(figures.requestsPerSecAverage).toString(),
    figures.requestsPerSecP50 === undefined ? '-' : Math.round(figures.requestsPerSecP50).toString(),
    figures.latencyTypicalMs.toFixed(1),
    figures.latencyTailMs.toFixed(1),
    failures === 0 ? '0' : `${figures.errors}+${figures.non2xx} (!)`,
    outcome.peakRssMiB === undefined ? '-' : outcome.peakRssMiB.toFixed(1),
    outcome.cpuUsPerRequest === undefined ? '-' : outcome.cpuUsPerRequest.toFixed(1),
  ];
}

function ratioLine(ratios: readonly Ratio[]): string {
  return ratios.length === 0 ? 'ratios: (sluice not measured)' : `ratios: ${ratios.map((r) => `${r.label} ${r.value.toFixed(2)}x`).join(', ')}`;
}

function methodLine(report: BenchReport): string {
  const placement = report.pinned
    ? `proxy pinned to core 0; ${report.loadGenerator} and backend on core 1`
    : 'no CPU pinning (taskset or a second core missing)';
  return `suite ${report.suite} (${report.protocol}); load generator ${report.loadGenerator}, ${report.workload}; ${report.warmupSec} s warm-up + ${report.durationSec} s measured; ${placement}`;
}

export function consoleTable(report: BenchReport): string {
  const header = headerOf(report);
  const rows = [header, ...report.outcomes.map(rowOf)];
  // Skipped and failed rows carry their reason in one long cell; leave it out of the column width.
  const measuredRows = [header, ...report.outcomes.flatMap((outcome) => (outcome.status === 'measured' ? [rowOf(outcome)] : []))];
  const widths = header.map((_, column) => Math.max(...measuredRows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd());
  return [...lines, '', ratioLine(report.ratios), methodLine(report)].join('\n');
}

export function markdownTable(report: BenchReport): string {
  const header = headerOf(report);
  const rows = report.outcomes.map(rowOf);
  return [
    `### ${report.date} — Node ${report.node}, nproc ${report.nproc}`,
    '',
    `Command: \`${report.command}\`; ${methodLine(report)}.`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((_, column) => (column === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    ratioLine(report.ratios),
  ].join('\n');
}
