// The tables printed at the end of a run and the JSON written next to them: the figures table (one
// row per run), the verdicts (one line per criterion), CPU per process, the sweep, and the settings
// that changed the services.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './processes.mjs';
import { summaryVerdict } from './verdicts.mjs';

const fmt = (n, digits = 0) => (n === null || n === undefined || Number.isNaN(n) ? '—' : Number(n).toFixed(digits));
const markdown = (lines) => lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');

function rssCell(rss) {
  if (!rss) return '—';
  const parts = ['main', 'admin'].filter((k) => rss[k] !== undefined).map((k) => `${k[0]} ${fmt(rss[k])}`);
  return parts.length
    ? parts.join(' / ')
    : Object.values(rss)
        .map((v) => fmt(v))
        .join(' / ');
}

/** The scenario's own criteria (not the memory ones the bench adds), as the table's target cell. */
function targetText(r) {
  if (r.calibration) return '';
  if (r.floorText) return r.floorText;
  const own = (r.verdicts ?? []).filter((c) => !c.criterion.includes('RSS') && c.criterion !== 'no failed request');
  return own.length ? own.map((c) => c.criterion).join('; ') : 'no floor';
}

/** Rows of [label, result] → a Markdown table (also readable in a terminal). */
export function table(rows) {
  const head = ['Run', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'peak RSS MB (main/admin)', 'ratio', 'floor', 'result'];
  const lines = [head, head.map(() => '---')];
  for (const [label, r] of rows) {
    if (r.skipped) {
      lines.push([label, r.skipped, '', '', '', '', '', '', 'FAILED TO RUN']);
      continue;
    }
    lines.push([
      r.mode === 'open-loop' ? `${label} (open loop, ${r.offeredRate}/s offered)` : label,
      fmt(r.rps),
      fmt(r.propagationP50Ms ?? r.p50Ms, r.propagationP50Ms !== undefined || r.mode === 'open-loop' ? 1 : 0),
      fmt(r.propagationP99Ms ?? r.p99Ms, r.propagationP99Ms !== undefined || r.mode === 'open-loop' ? 1 : 0),
      fmt(r.errors),
      rssCell(r.rssMb),
      r.ratio == null ? '—' : `${fmt(r.ratio, 2)}x ${r.ratioTo ?? ''}`.trim(),
      targetText(r),
      r.calibration ? '' : summaryVerdict(r.verdicts ?? []),
    ]);
  }
  return markdown(lines);
}

/** One line per criterion: [[label, checks]] → Markdown. */
export function verdictTable(groups) {
  const lines = [
    ['Run', 'Criterion', 'Measured', 'Verdict'],
    ['---', '---', '---', '---'],
  ];
  for (const [label, checks] of groups) {
    for (const c of checks) lines.push([label, c.criterion, c.measured, c.pass === true ? 'PASS' : c.pass === false ? 'MISS' : 'n/a']);
  }
  return markdown(lines);
}

const CPU_COLUMNS = [
  ['main', 'main'],
  ['admin', 'admin'],
  ['mariadbd', 'MariaDB'],
  ['rabbitmq', 'RabbitMQ'],
  ['bench', 'bench (autocannon inside)'],
  ['generator', 'open-loop generator'],
];

/** CPU seconds per process per phase (with each service's RSS before → peak), and CPU ms per like where the phase made likes. */
export function cpuTables(phases) {
  const seconds = [
    [
      'Phase',
      'wall s',
      ...CPU_COLUMNS.map(([, name]) => `${name} CPU-s`),
      'likes',
      'RSS MB main before → peak',
      'RSS MB admin before → peak',
    ],
    [],
  ];
  seconds[1] = seconds[0].map(() => '---');
  const perLike = [
    ['Phase', 'likes/s over the phase', ...CPU_COLUMNS.map(([, name]) => `${name} ms/like`), 'all ms/like', 'admin caught up'],
    [],
  ];
  perLike[1] = perLike[0].map(() => '---');
  for (const p of phases) {
    const rss = (name) =>
      p.rssPeakMb?.[name] === undefined
        ? '—'
        : `${fmt(p.rssAtStartMb?.[name])} → ${fmt(p.rssPeakMb[name])}${p.rssPeakExact?.[name] ? '' : ' (sampled)'}`;
    seconds.push([
      p.phase,
      fmt(p.wallSeconds, 1),
      ...CPU_COLUMNS.map(([key]) => fmt(p.seconds[key], 2)),
      p.likes ? String(p.likes) : '',
      rss('main'),
      rss('admin'),
    ]);
    if (p.msPerLike) {
      perLike.push([
        p.phase,
        fmt(p.likes / p.wallSeconds),
        ...CPU_COLUMNS.map(([key]) => fmt(p.msPerLike[key], 2)),
        fmt(p.msPerLike.all, 2),
        p.drained === null ? 'not waited for' : p.drained ? 'yes' : `no (${p.pendingAtEnd} pending)`,
      ]);
    }
  }
  return { seconds: markdown(seconds), perLike: perLike.length > 2 ? markdown(perLike) : '' };
}

/** The sweep's rows: p50/p99 from due time at each share of the measured capacity. */
export function sweepTable(sweep) {
  const lines = [
    [
      'Work',
      'capacity/s (closed loop)',
      'share',
      'offered/s',
      'achieved/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'sent > 10 ms late',
      'waited for a socket',
      'not sent (timeout)',
      'errors',
    ],
  ];
  lines.push(lines[0].map(() => '---'));
  for (const work of sweep) {
    for (const level of work.levels) {
      const r = level.result;
      lines.push([
        work.work,
        fmt(work.capacity),
        `${Math.round(level.share * 100)}%`,
        fmt(r.offeredRate),
        fmt(r.achievedRate),
        fmt(r.p50Ms, 1),
        fmt(r.p90Ms, 1),
        fmt(r.p99Ms, 1),
        fmt(r.p999Ms, 1),
        fmt(r.maxMs, 1),
        fmt(r.lateSends),
        fmt(r.waitedForSocket),
        fmt(r.notSent),
        fmt(r.errors),
      ]);
    }
  }
  return markdown(lines);
}

export function writeJson(report) {
  const dir = path.join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
