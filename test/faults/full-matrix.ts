import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FaultSystem } from './harness/fault-system';
import { adminBeforeMainEverStarted, runScenario, SCENARIOS } from './harness/scenarios';
import { seededRandom, Workload } from './harness/workload';

/**
 * The whole fault matrix, then a seeded soak of random faults (`npm run test:faults`). Not part of
 * `npm test`: it takes several minutes. Replay a soak with FAULT_SEED=<printed seed>; set its
 * length with FAULT_SOAK_MS (default two minutes).
 */
const seed = Number(process.env.FAULT_SEED ?? Date.now() % 1_000_000_007);
const soakMs = Number(process.env.FAULT_SOAK_MS ?? 120_000);
const random = seededRandom(seed);
let system: FaultSystem;
let workload: Workload;

const clean = (report: { lost: number; duplicated: number; unexpected: number; deadLettered: number; problems: string[] }) =>
  assert.deepEqual([report.lost, report.duplicated, report.unexpected, report.deadLettered], [0, 0, 0, 0], report.problems.join('\n'));

before(async () => {
  console.log(`fault matrix and soak: FAULT_SEED=${seed} FAULT_SOAK_MS=${soakMs}`);
  system = await FaultSystem.create();
  workload = new Workload(system, random);
});
after(async () => {
  await system?.destroy();
});

describe('full fault matrix', () => {
  test('admin creates products before main has ever started: main catches up', async () => {
    clean(await adminBeforeMainEverStarted(system, workload));
    await workload.seedProducts(5);
  });
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    test(name, async () => clean(await runScenario(system, workload, scenario)));
  }
});

describe(`seeded soak of random faults (FAULT_SEED=${seed})`, () => {
  test('random faults one after another, each checked after it heals', async () => {
    // The fault sequence has a generator of its own, so a seed replays it whatever the workload drew.
    const pickFault = seededRandom(seed);
    const names = Object.keys(SCENARIOS);
    const deadline = Date.now() + soakMs;
    let round = 0;
    while (Date.now() < deadline) {
      const name = names[Math.floor(pickFault() * names.length)]!;
      round++;
      const report = await runScenario(system, workload, SCENARIOS[name]!, (line) => console.log(`soak round ${round}: ${line}`));
      clean(report);
    }
    console.log(`soak: ${round} faults survived in ${soakMs} ms (FAULT_SEED=${seed})`);
  });
});
