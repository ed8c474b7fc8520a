import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import type { ScenarioResult } from './run-scenario';

export interface RunInfo {
  date: string;
  command: string;
  seed: number;
  durationSeconds: number;
  /** One-, five- and fifteen-minute load averages at the start and at the end, and the core count. */
  loadAtStart: number[];
  loadAtEnd: number[];
  cores: number;
}

export function machineLoad(): number[] {
  return loadavg().map((n) => Number(n.toFixed(2)));
}

export function coreCount(): number {
  return cpus().length;
}

/** The per-fault table, as Markdown (the README shows it as printed). */
export function resultsTable(results: ScenarioResult[]): string {
  const rows = results.map((r) =>
    [
      r.fault,
      String(r.requests),
      `${r.availabilityPercent === 100 ? '100' : r.availabilityPercent.toFixed(2)} %`,
      String(r.lost),
      String(r.duplicated),
      String(r.unexpected),
      `${r.recoverySeconds.toFixed(1)} s`,
    ].join(' | '),
  );
  return [
    '| fault | requests | availability | lost | duplicated | unexpected | recovery |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

export function summaryMarkdown(run: RunInfo, results: ScenarioResult[]): string {
  const notes = results.flatMap((r) => [`- ${r.fault}: ${[...r.notes, ...r.failures.map((f) => `unanswered ${f}`)].join('; ')}`]);
  return [
    `# Cluster under faults (${run.date})`,
    '',
    `\`${run.command}\` (seed ${run.seed}), ${run.durationSeconds.toFixed(0)} s on ${run.cores} cores; load average ${run.loadAtStart.join(' ')} at the start, ${run.loadAtEnd.join(' ')} at the end.`,
    '',
    resultsTable(results),
    '',
    'Availability: requests through HAProxy answered without a 5xx or a connection error, from the load starting to every part being whole again. Recovery: from the start of healing until every broker node, queue replica, process and HAProxy server is back.',
    '',
    ...notes,
    '',
  ].join('\n');
}

/** Writes test-results/cluster/summary.json and summary.md. */
export function writeSummary(dir: string, run: RunInfo, results: ScenarioResult[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify({ ...run, results }, null, 2)}\n`);
  writeFileSync(path.join(dir, 'summary.md'), summaryMarkdown(run, results));
}
