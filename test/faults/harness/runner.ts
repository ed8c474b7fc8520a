import { inspect } from 'node:util';
import { check, formatVerdict, type Verdict } from './checker';
import { Evidence } from './evidence';
import type { FaultSystem } from './fault-system';
import { resultFileName, writeScenarioRecord } from './results';
import { seededRandom, type Workload } from './workload';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a fault gets to work with. `random` is seeded: a replay with the same FAULT_SEED makes the same choices. */
export interface FaultContext {
  system: FaultSystem;
  workload: Workload;
  evidence: Evidence;
  random: () => number;
  log: (line: string) => void;
}

/** A check of the outcome, run after quiescence once the checker found the history valid. */
export type OutcomeCheck = () => Promise<void>;

export interface Scenario {
  name: string;
  /** One line: what passing this scenario shows (the README lists them). */
  proves: string;
  /**
   * Injects the fault while the workload runs, proves through `evidence` that it took effect,
   * and heals it (links are healed again in any case). May return a check of the outcome.
   */
  fault(ctx: FaultContext): Promise<OutcomeCheck | void>;
  /** Workload length; the fault starts shortly after it begins. */
  workloadMs?: number;
}

export interface RunOptions {
  seed: number;
  /** The result file's name (default: the scenario's name); also seeds the fault's own choices. */
  resultName?: string;
  log?: (line: string) => void;
}

/**
 * The fault's own generator, from the run's seed and the scenario's result name: each fault makes
 * the same choices in a replay whatever ran before it (a latency fault draws per chunk of traffic).
 */
function faultRandom(seed: number, name: string): () => number {
  let hash = 0x811c9dc5 ^ seed;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return seededRandom(hash);
}

/**
 * Workload, fault, heal, quiescence, check; then writes test-results/faults/<name>.json (history,
 * evidence, verdict), pass or fail. Throws when the fault is not proven, when the workload got
 * nothing accepted, when the checker finds the history invalid, or when the outcome check fails.
 */
export async function runScenario(system: FaultSystem, workload: Workload, scenario: Scenario, options: RunOptions): Promise<Verdict> {
  const log = options.log ?? console.log;
  const evidence = new Evidence();
  const started = Date.now();
  const from = workload.history.operations.length;
  let verdict: Verdict | undefined;
  let error: unknown;
  try {
    await system.startServices();
    await system.waitForHealthy();
    if (workload.liveProducts().length < 3) await workload.seedProducts(5);
    const load = workload.run({ durationMs: scenario.workloadMs ?? 4000 });
    let outcome: OutcomeCheck | void;
    try {
      await sleep(700);
      outcome = await scenario.fault({
        system,
        workload,
        evidence,
        random: faultRandom(options.seed, options.resultName ?? scenario.name),
        log,
      });
    } finally {
      system.heal();
      await load;
    }
    await system.startServices();
    await system.waitForQuiescence();
    verdict = await check(workload.history, system.databases(), { deadLettered: () => system.deadLettered() });
    log(`${formatVerdict(scenario.name, verdict)}  (${workload.summary(from)})`);
    if (!verdict.valid) throw new Error(formatVerdict(scenario.name, verdict));
    await outcome?.();
    // A scenario in which nothing was accepted would pass the checker while proving nothing.
    const accepted = workload.okCounts(from);
    if (accepted.likes === 0 || accepted.admin === 0)
      throw new Error(
        `[${scenario.name}] the workload got no like or no admin change accepted, so the check proves nothing (${workload.summary(from)})`,
      );
    return verdict;
  } catch (err) {
    error = err;
    // Leave the system running for whatever comes next, even after a failure.
    system.heal();
    await system.startServices().catch(() => undefined);
    throw err;
  } finally {
    const to = workload.history.operations.length;
    const file = writeScenarioRecord(options.resultName ?? resultFileName(scenario.name), {
      scenario: scenario.name,
      proves: scenario.proves,
      seed: options.seed,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      passed: error === undefined,
      error: error === undefined ? undefined : error instanceof Error ? (error.stack ?? error.message) : inspect(error),
      evidence: evidence.items,
      verdict,
      logs: error === undefined ? undefined : { main: system.main.tail(150), admin: system.admin.tail(150) },
      history: { from, to, summary: workload.summary(from), operations: workload.history.operations.slice(from, to) },
    });
    if (error !== undefined) log(`[${scenario.name}] FAILED (seed ${options.seed}); history, evidence and verdict in ${file}`);
  }
}

/** Admin creates products while main has never run; main catches up when it starts. */
export const ADMIN_BEFORE_MAIN: Scenario = {
  name: 'admin creates products before main has ever started',
  proves: "main's first start finds admin's earlier events waiting and applies them (no event published before a consumer existed is lost)",
  async fault({ system, workload, evidence }) {
    if (system.main.running) throw new Error('main-service must never have started before this scenario');
    const creates = [];
    for (let i = 0; i < 5; i++) creates.push(await workload.create('before-main'));
    evidence.require(
      creates.some((op) => op.status === 'ok'),
      'admin accepted products before main ever started',
      creates.map((op) => op.http ?? 'no answer'),
    );
  },
};

/**
 * Runs ADMIN_BEFORE_MAIN: it must come first, before main has ever started, so it drives the
 * system itself rather than through runScenario's usual start.
 */
export async function adminBeforeMainEverStarted(system: FaultSystem, workload: Workload, options: RunOptions): Promise<Verdict> {
  const evidence = new Evidence();
  const started = Date.now();
  let verdict: Verdict | undefined;
  let error: unknown;
  try {
    await system.admin.start();
    await ADMIN_BEFORE_MAIN.fault({
      system,
      workload,
      evidence,
      random: faultRandom(options.seed, ADMIN_BEFORE_MAIN.name),
      log: options.log ?? console.log,
    });
    await system.main.start();
    await system.waitForQuiescence();
    verdict = await check(workload.history, system.databases(), { deadLettered: () => system.deadLettered() });
    (options.log ?? console.log)(`${formatVerdict(ADMIN_BEFORE_MAIN.name, verdict)}  (${workload.summary()})`);
    if (!verdict.valid) throw new Error(formatVerdict(ADMIN_BEFORE_MAIN.name, verdict));
    return verdict;
  } catch (err) {
    error = err;
    throw err;
  } finally {
    writeScenarioRecord(resultFileName(ADMIN_BEFORE_MAIN.name), {
      scenario: ADMIN_BEFORE_MAIN.name,
      proves: ADMIN_BEFORE_MAIN.proves,
      seed: options.seed,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      passed: error === undefined,
      error: error === undefined ? undefined : error instanceof Error ? (error.stack ?? error.message) : inspect(error),
      evidence: evidence.items,
      verdict,
      history: { from: 0, to: workload.history.operations.length, summary: workload.summary(), operations: workload.history.operations },
    });
  }
}
