// Verdicts, one criterion per line: a scenario that meets its throughput but misses memory says
// exactly that. A scenario returns `checks`, a list built with the helpers below; the bench adds
// the memory checks (peak RSS under load of each service) to every scenario, and the idle-memory
// checks to every start of the services.
//
//   import { atMost, below, holds } from '../lib/verdicts.mjs';
//   return { ...result, checks: [atMost('idle propagation p50, admin → main', p50, 5, 'ms'), holds('every event seen', unseen === 0, `${unseen} unseen`)] };
//
// A value of null/undefined is "not measured" (verdict n/a, counted as a miss by --strict). A
// scenario without `checks` (older style: pass/target/targetText) gets one check from those.
export const RSS_UNDER_LOAD_MB = 200;
export const RSS_IDLE_MB = 150;

const show = (value, unit, digits) => {
  if (value === null || value === undefined || Number.isNaN(value)) return 'not measured';
  const text =
    typeof value === 'number' ? value.toFixed(digits ?? (Math.abs(value) < 10 && !Number.isInteger(value) ? 2 : 0)) : String(value);
  return unit === 'x' ? `${text}x` : unit ? `${text} ${unit}` : text;
};
const judged = (value, ok) => (value === null || value === undefined || Number.isNaN(value) ? null : ok);

/** value ≥ floor */
export const atLeast = (name, value, floor, unit = '', digits) => ({
  criterion: `${name} ≥ ${floor}${unit === 'x' ? 'x' : unit ? ` ${unit}` : ''}`,
  measured: show(value, unit, digits),
  value: value ?? null,
  pass: judged(value, value >= floor),
});

/** value ≤ limit */
export const atMost = (name, value, limit, unit = '', digits) => ({
  criterion: `${name} ≤ ${limit}${unit ? ` ${unit}` : ''}`,
  measured: show(value, unit, digits),
  value: value ?? null,
  pass: judged(value, value <= limit),
});

/** value < limit */
export const below = (name, value, limit, unit = '', digits) => ({
  criterion: `${name} < ${limit}${unit ? ` ${unit}` : ''}`,
  measured: show(value, unit, digits),
  value: value ?? null,
  pass: judged(value, value < limit),
});

/** A condition that holds or not, with what was seen. */
export const holds = (name, ok, measured = ok ? 'yes' : 'no') => ({
  criterion: name,
  measured: String(measured),
  value: null,
  pass: Boolean(ok),
});

/** No failed request (non-2xx, timeout or connection error). */
export const noErrors = (result) => holds('no failed request', result.errors === 0, `${result.errors ?? 'unknown'} failed`);

/** Open loop: whether the generator itself kept its schedule (otherwise the rate was not really offered). */
export function onSchedule(result) {
  const share = result.offered > 0 ? result.lateSends / result.offered : 1;
  return holds(
    `generator on schedule (≤ 1% sent > ${result.lateSendMs} ms late)`,
    share <= 0.01,
    `${result.lateSends} of ${result.offered} late (send lag p99 ${result.sendLagP99Ms} ms)`,
  );
}

/** Peak RSS under load of each service the scenario ran, against the floor. */
export function rssChecks(rssMb, limit = RSS_UNDER_LOAD_MB, what = 'peak RSS under load') {
  return ['main', 'admin'].filter((name) => rssMb?.[name] !== undefined).map((name) => below(`${what}, ${name}`, rssMb[name], limit, 'MB'));
}

/** The checks of a scenario's result, from `checks` or, for the older style, from pass/target. */
export function scenarioChecks(result) {
  if (result.skipped) return [];
  if (Array.isArray(result.checks)) return result.checks;
  // A list of { criterion, value, limit, pass } under `verdicts` (an early style): kept line by line.
  if (Array.isArray(result.verdicts)) {
    const lines = result.verdicts.map((v) => ({
      criterion: v.limit === undefined ? v.criterion : `${v.criterion} ≤ ${v.limit}`,
      measured: v.value == null ? 'not measured' : String(v.value),
      value: v.value ?? null,
      pass: v.value == null ? null : Boolean(v.pass),
    }));
    if (result.pass !== undefined && result.pass !== lines.every((l) => l.pass === true))
      lines.push(holds(result.targetText ?? 'scenario passed', result.pass));
    if (result.errors !== undefined) lines.push(noErrors(result));
    return lines;
  }
  if (result.pass !== undefined) return [holds(result.targetText ?? 'scenario passed', result.pass)];
  if (result.target != null) return [atLeast(`ratio to ${result.ratioTo ?? 'its reference'}`, result.ratio, result.target, 'x')];
  return [];
}

/** PASS when every check passed; otherwise MISS with the criteria it missed, by name. */
export function summaryVerdict(checks) {
  if (checks.length === 0) return 'no floor';
  const missed = checks.filter((c) => c.pass !== true);
  if (missed.length === 0) return 'PASS';
  return `MISS: ${missed.map((c) => c.criterion.split(/ [<≤≥] /)[0]).join('; ')}`;
}
