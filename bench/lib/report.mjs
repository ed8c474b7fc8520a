// The table printed at the end of a run and the JSON written next to it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './processes.mjs';

export const RSS_LIMIT_MB = 200;

const fmt = (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? '—' : Number(n).toFixed(digits));

function rssCell(rss) {
  if (!rss) return '—';
  const parts = ['main', 'admin'].filter((k) => rss[k] !== undefined).map((k) => `${k[0]} ${fmt(rss[k])}`);
  return parts.length ? parts.join(' / ') : Object.values(rss).map((v) => fmt(v)).join(' / ');
}

function verdict(row) {
  if (row.skipped) return 'n/a';
  const rssOk = Object.values(row.rssMb ?? {}).every((mb) => mb < RSS_LIMIT_MB);
  const own = row.pass ?? (row.target == null ? undefined : row.ratio >= row.target && row.errors === 0);
  if (own === undefined) return rssOk ? 'PASS (RSS)' : 'MISS (RSS)';
  return own && rssOk ? 'PASS' : 'MISS';
}

/** Rows of [label, result] → a Markdown table (also readable in a terminal). */
export function table(rows) {
  const head = ['Run', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RSS MB (main/admin)', 'ratio', 'target', 'result'];
  const lines = [head, head.map(() => '---')];
  for (const [label, r] of rows) {
    if (r.skipped) {
      lines.push([label, r.skipped, '', '', '', '', '', targetText(r), 'n/a']);
      continue;
    }
    lines.push([
      label,
      fmt(r.rps),
      fmt(r.propagationP50Ms ?? r.p50Ms, r.propagationP50Ms !== undefined ? 1 : 0),
      fmt(r.propagationP99Ms ?? r.p99Ms, r.propagationP99Ms !== undefined ? 1 : 0),
      fmt(r.errors),
      rssCell(r.rssMb),
      r.ratio == null ? '—' : `${fmt(r.ratio, 2)}x ${r.ratioTo ?? ''}`.trim(),
      targetText(r),
      r.calibration ? '' : verdict(r),
    ]);
  }
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function targetText(r) {
  if (r.targetText) return r.targetText;
  if (r.target == null) return r.calibration ? '' : `RSS < ${RSS_LIMIT_MB}`;
  return `≥ ${r.target}x${r.p99TargetMs ? `, p99 < ${r.p99TargetMs} ms` : ''}`;
}

export function writeJson(report) {
  const dir = path.join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
