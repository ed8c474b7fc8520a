/** How many requests went through the load balancer and how many were answered (not 5xx, not a connection error). */
export interface Tally {
  requests: number;
  answered: number;
  /** A few of the failures, e.g. `GET main /api/products: 502`, to say why availability fell. */
  failures: string[];
}

export function emptyTally(): Tally {
  return { requests: 0, answered: 0, failures: [] };
}

export function addTo(tally: Tally, what: string, status: number | undefined, error?: string): void {
  tally.requests++;
  if (status !== undefined && status < 500) tally.answered++;
  else if (tally.failures.length < 10) tally.failures.push(`${what}: ${status ?? error ?? 'no answer'}`);
}

export function merge(...tallies: Tally[]): Tally {
  return {
    requests: tallies.reduce((n, t) => n + t.requests, 0),
    answered: tallies.reduce((n, t) => n + t.answered, 0),
    failures: tallies.flatMap((t) => t.failures).slice(0, 10),
  };
}

export function percent(tally: Tally): number {
  return tally.requests === 0 ? 100 : (100 * tally.answered) / tally.requests;
}

export interface ProbeTarget {
  label: string;
  url: string;
  headers?: Record<string, string>;
}

/**
 * Reads through the load balancer while a fault runs (the storefront's and the back office's
 * product lists and pages), next to the workload's writes: the share answered is the availability
 * a user would have seen. Each reader sends one request at a time, with an 8 s limit.
 */
export class AvailabilityProbe {
  readonly tally = emptyTally();
  private running = false;
  private readers: Promise<void>[] = [];

  constructor(private readonly targets: () => ProbeTarget[]) {}

  start(readers = 2): void {
    this.running = true;
    this.readers = Array.from({ length: readers }, (_, i) => this.read(i));
  }

  private async read(offset: number): Promise<void> {
    for (let turn = offset; this.running; turn++) {
      const targets = this.targets();
      const target = targets[turn % targets.length]!;
      try {
        const res = await fetch(target.url, { headers: target.headers, signal: AbortSignal.timeout(8000) });
        await res.arrayBuffer();
        addTo(this.tally, `GET ${target.label}`, res.status);
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
        addTo(this.tally, `GET ${target.label}`, undefined, cause);
      }
    }
  }

  async stop(): Promise<Tally> {
    this.running = false;
    await Promise.all(this.readers);
    return this.tally;
  }
}
