import { eventually } from '@catalogue/shared/testing';
import { check } from '../../faults/harness/checker';
import type { Workload } from '../../faults/harness/workload';
import { addTo, AvailabilityProbe, emptyTally, merge, percent, type ProbeTarget, type Tally } from './availability';
import type { ClusterSystem } from './cluster-system';
import type { ClusterScenario, FaultOutcome } from './scenarios';

export interface ScenarioResult {
  fault: string;
  /** Requests through the load balancer while the fault lasted: the workload's writes and the probe's reads. */
  requests: number;
  availabilityPercent: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  /** Requests that got no answer (or a 5xx) but did take effect: allowed. */
  recovered: number;
  deadLettered: number;
  /** From the start of healing until every part was whole again. */
  recoverySeconds: number;
  notes: string[];
  /** A few unanswered requests, to say why availability fell. */
  failures: string[];
  /** HAProxy's log of abnormal HTTP exchanges meanwhile (termination states say who gave up). */
  loadBalancerLog: string[];
  problems: string[];
  workload: string;
}

/**
 * HAProxy's lines that explain an unanswered request: an exchange answered 5xx or not at all, or
 * ended abnormally (its termination state is not `----`), and servers going down or up. Requests
 * merely retried on another server are logged too (dontlog-normal keeps them) and left out here.
 */
function failedOrStateChange(line: string): boolean {
  if (/ is (DOWN|UP)/.test(line)) return !line.includes('broker/');
  const exchange = / (-1|\d{3}) \d+ \S+ \S+ (\S{4}) /.exec(line);
  return !!exchange && (exchange[1] === '-1' || exchange[1]!.startsWith('5') || exchange[2] !== '----');
}

function probeTargets(system: ClusterSystem, workload: Workload): ProbeTarget[] {
  const staff = { authorization: `Bearer ${system.staffToken}` };
  const product = workload.liveProducts()[0];
  return [
    { label: 'main /api/products', url: `${system.main.url}/api/products?limit=20` },
    { label: 'admin /api/products', url: `${system.admin.url}/api/products?limit=20`, headers: staff },
    ...(product
      ? [
          { label: 'main /api/products/:id', url: `${system.main.url}/api/products/${product}` },
          { label: 'admin /api/products/:id', url: `${system.admin.url}/api/products/${product}`, headers: staff },
        ]
      : []),
  ];
}

/**
 * Load through the load balancer, the fault, its healing, recovery (every part whole again),
 * quiescence, then the checker over everything the workload did so far. A fault that fails
 * half-way is undone before the error goes up.
 */
export async function runClusterScenario(
  system: ClusterSystem,
  workload: Workload,
  scenario: ClusterScenario,
  log: (line: string) => void = console.log,
): Promise<ScenarioResult> {
  await eventually(() => system.whole(), { timeoutMs: 180_000, intervalMs: 250, what: 'every part of the cluster whole before the fault' });
  const from = workload.history.operations.length;
  const okBefore = workload.okCounts();
  const logFrom = system.lb.log.length;
  const probe = new AvailabilityProbe(() => probeTargets(system, workload));
  probe.start();
  let faultOver = false;
  const load = (async () => {
    do {
      await workload.run({ durationMs: 2000, likeWorkers: 6, adminWorkers: 1 });
    } while (!faultOver);
  })();

  let outcome: FaultOutcome;
  let recoveryMs: number;
  let reads: Tally;
  try {
    await eventually(async () => workload.okCounts().likes >= okBefore.likes + 30, {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'the load to get going',
    });
    outcome = await scenario.inject(system, workload);
    await eventually(() => system.whole(), {
      timeoutMs: 240_000,
      intervalMs: 250,
      what: `every part of the cluster whole again after "${scenario.name}"`,
    });
    recoveryMs = Date.now() - outcome.healedAt;
  } catch (err) {
    await system
      .restore()
      .catch((restoreErr: unknown) => log(`restoring after a failed fault also failed: ${(restoreErr as Error).message}`));
    throw err;
  } finally {
    faultOver = true;
    await load;
    reads = await probe.stop();
  }

  const writes = emptyTally();
  for (const op of workload.history.operations.slice(from))
    addTo(writes, op.type === 'like' ? 'POST main like' : op.type === 'unlike' ? 'DELETE main like' : `${op.type} admin product`, op.http);
  const tally = merge(writes, reads);

  await system.waitForQuiescence();
  const verdict = await check(workload.history, system.databases(), { deadLettered: () => system.deadLettered() });
  const accepted = workload.okCounts(from);
  if (accepted.likes === 0 || accepted.admin === 0) {
    throw new Error(`[${scenario.name}] no like or no admin change was accepted, so the check proves nothing (${workload.summary(from)})`);
  }
  const result: ScenarioResult = {
    fault: scenario.name,
    requests: tally.requests,
    availabilityPercent: percent(tally),
    lost: verdict.lost,
    duplicated: verdict.duplicated,
    unexpected: verdict.unexpected,
    recovered: verdict.recovered,
    deadLettered: verdict.deadLettered,
    recoverySeconds: recoveryMs / 1000,
    notes: outcome.notes,
    failures: tally.failures,
    loadBalancerLog: system.lb.log.slice(logFrom).filter(failedOrStateChange).slice(0, 20),
    problems: verdict.anomalies.map((a) => `${a.kind}: ${a.text}`),
    workload: workload.summary(from),
  };
  log(
    `[${result.fault}] requests=${result.requests} availability=${result.availabilityPercent.toFixed(2)}% lost=${result.lost} duplicated=${result.duplicated} unexpected=${result.unexpected} recovered=${result.recovered} dead-lettered=${result.deadLettered} recovery=${result.recoverySeconds.toFixed(1)}s\n  ${[...result.notes, ...result.failures.map((f) => `unanswered: ${f}`), ...(result.availabilityPercent < 100 ? result.loadBalancerLog.map((l) => `haproxy: ${l}`) : []), ...result.problems].join('\n  ')}`,
  );
  return result;
}
