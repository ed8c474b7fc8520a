import { sampleValue } from '@catalogue/shared/testing';
import type { ServiceProcess } from './service-process';

/** Thrown when a fault cannot show that it took effect: the scenario proves nothing and fails. */
export class FaultNotProven extends Error {
  override name = 'FaultNotProven';
}

export interface EvidenceItem {
  what: string;
  observed: unknown;
  /** Whether the scenario depends on it (a required observation that failed throws). */
  required: boolean;
  held: boolean;
}

/**
 * What a scenario observed about its own fault. `require` is the gate: a fault that cannot show
 * it happened (no connection lost, no retry, no exit code) fails its scenario, whatever the checker
 * says afterwards.
 */
export class Evidence {
  readonly items: EvidenceItem[] = [];

  note(what: string, observed: unknown): void {
    this.items.push({ what, observed, required: false, held: true });
  }

  require(held: boolean, what: string, observed: unknown): void {
    this.items.push({ what, observed, required: true, held });
    if (!held) throw new FaultNotProven(`fault not proven: ${what} (observed ${JSON.stringify(observed)})`);
  }

  /** Polls `probe` until `done` holds for its value; records it either way, and throws on timeout. */
  async waitFor<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let value: T | undefined;
    for (;;) {
      try {
        value = await probe();
        if (done(value)) break;
      } catch (err) {
        value = undefined;
        if (Date.now() > deadline) throw new FaultNotProven(`fault not proven: ${what} (${(err as Error).message})`);
      }
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    this.require(value !== undefined && done(value), `${what} (waited up to ${timeoutMs} ms)`, value);
    return value!;
  }
}

/**
 * A counter read from a running service's GET /metrics, tied to that process: a restarted process
 * starts its counters again, so a delta across a restart would be meaningless and is refused.
 */
export class ServiceCounter {
  private constructor(
    private readonly service: ServiceProcess,
    private readonly name: string,
    private readonly labels: Record<string, string>,
    private readonly generation: number,
    readonly start: number,
  ) {}

  static async read(service: ServiceProcess, name: string, labels: Record<string, string> = {}): Promise<ServiceCounter> {
    const generation = service.generation;
    return new ServiceCounter(service, name, labels, generation, await readMetric(service, name, labels));
  }

  /** How much it grew since it was first read. */
  async delta(): Promise<number> {
    if (this.service.generation !== this.generation)
      throw new Error(`${this.service.name}-service restarted, so ${this.name} started again`);
    return (await readMetric(this.service, this.name, this.labels)) - this.start;
  }
}

export async function readMetric(service: ServiceProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${service.name}-service /metrics answered ${res.status}`);
  return sampleValue(await res.text(), name, labels);
}
