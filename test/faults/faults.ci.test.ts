import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FaultSystem } from './harness/fault-system';
import { adminBeforeMainEverStarted, CI_SUBSET, runScenario, SCENARIOS } from './harness/scenarios';
import { seededRandom, Workload } from './harness/workload';

/**
 * The fault subset every CI run proves: a broker restart, a database restart and every crash point.
 * Both services run as real processes against a MariaDB and a RabbitMQ of this file's own, which
 * it kills and restarts freely; `npm run test:faults` runs the whole matrix and the soak.
 */
const seed = Number(process.env.FAULT_SEED ?? 20261122);
let system: FaultSystem;
let workload: Workload;

before(async () => {
  console.log(`fault tests: seed ${seed}`);
  system = await FaultSystem.create();
  workload = new Workload(system, seededRandom(seed));
});
after(async () => {
  await system?.destroy();
});

describe('no like or product change is lost or double-counted under faults', () => {
  test('admin creates products before main has ever started: main catches up', async () => {
    const report = await adminBeforeMainEverStarted(system, workload);
    assert.deepEqual([report.lost, report.duplicated, report.unexpected, report.deadLettered], [0, 0, 0, 0], report.problems.join('\n'));
    await workload.seedProducts(5);
  });

  for (const name of CI_SUBSET) {
    test(name, async () => {
      const report = await runScenario(system, workload, SCENARIOS[name]!);
      assert.deepEqual([report.lost, report.duplicated, report.unexpected, report.deadLettered], [0, 0, 0, 0], report.problems.join('\n'));
    });
  }
});
