import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { seededRandom, Workload } from '../faults/harness/workload';
import { ClusterSystem } from './harness/cluster-system';
import { coreCount, machineLoad, resultsTable, writeSummary } from './harness/report';
import { runClusterScenario, type ScenarioResult } from './harness/run-scenario';
import { CLUSTER_SCENARIOS } from './harness/scenarios';

/**
 * `npm run test:cluster`: the distributed shape on one machine (three RabbitMQ nodes, two API
 * replicas per service behind HAProxy, two consumer processes per service, Redis), driven through
 * the load balancer while each fault happens and heals. For each fault: nothing lost, doubled or
 * unexplained (the fault harness's checker), and the share of requests answered. Prints the table
 * and writes test-results/cluster/summary.{json,md}. Replay with CLUSTER_SEED=<printed seed>;
 * CLUSTER_FAULTS=<comma-separated parts of names> runs only those faults, in that order (a fault
 * named twice runs twice), when working on one.
 */
const chosen = process.env.CLUSTER_FAULTS?.split(',').map((part) => {
  const scenario = CLUSTER_SCENARIOS.find((s) => s.name.includes(part.trim()));
  if (!scenario) throw new Error(`CLUSTER_FAULTS: no fault named like "${part}"`);
  return scenario;
});
const scenarios = chosen ?? CLUSTER_SCENARIOS;
const seed = Number(process.env.CLUSTER_SEED ?? Date.now() % 1_000_000_007);
const started = Date.now();
const loadAtStart = machineLoad();
const results: ScenarioResult[] = [];
let system: ClusterSystem;
let workload: Workload;

before(async () => {
  console.log(`cluster under faults: CLUSTER_SEED=${seed}; load average ${loadAtStart.join(' ')} on ${coreCount()} cores`);
  system = await ClusterSystem.create();
  workload = new Workload(system.workloadTargets(), seededRandom(seed));
  await workload.seedProducts(5);
});

after(async () => {
  try {
    if (results.length > 0) {
      const run = {
        date: new Date().toISOString().slice(0, 10),
        command: 'npm run test:cluster',
        seed,
        durationSeconds: (Date.now() - started) / 1000,
        loadAtStart,
        loadAtEnd: machineLoad(),
        cores: coreCount(),
      };
      writeSummary(path.resolve(__dirname, '../../../test-results/cluster'), run, results);
      console.log(
        `\n${resultsTable(results)}\n\n${run.durationSeconds.toFixed(0)} s; load average ${run.loadAtEnd.join(' ')}; written to test-results/cluster/summary.{json,md}`,
      );
    }
  } finally {
    await system?.destroy();
    // A killed server's leftovers must never keep this process (and CI) from ending.
    setTimeout(() => process.exit(), 10_000).unref();
  }
});

describe('the cluster under faults: nothing lost, doubled or unexplained, and requests answered', () => {
  for (const [i, scenario] of scenarios.entries()) {
    const repeat = scenarios.slice(0, i).filter((s) => s === scenario).length;
    test(repeat ? `${scenario.name} (again, ${repeat + 1})` : scenario.name, async () => {
      const result = await runClusterScenario(system, workload, scenario);
      results.push(result);
      assert.deepEqual([result.lost, result.duplicated, result.unexpected, result.deadLettered], [0, 0, 0, 0], result.problems.join('\n'));
      if (scenario.fullAvailability) assert.equal(result.availabilityPercent, 100, `unanswered: ${result.failures.join('; ')}`);
    });
  }
});
