import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleAll,
  isBrokenCircuitError,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { ServiceMetrics } from '../observability/metrics';

export interface BreakerSettings {
  /** A call still running after this is abandoned (its fetch aborted) and counts as a failure. */
  timeoutMs: number;
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** How long an open breaker refuses calls before it lets one through to try (half-open). */
  halfOpenAfterMs: number;
}

/** The breaker is open: the call was refused at once, without reaching the dependency. */
export class DependencyBreakerOpen extends Error {
  override name = 'DependencyBreakerOpen';
  constructor(readonly dependency: string) {
    super(`${dependency} is failing; calls are refused for now (circuit breaker open)`);
  }
}

/** The call took longer than the breaker's timeout and was abandoned. */
export class DependencyTimeout extends Error {
  override name = 'DependencyTimeout';
  constructor(
    readonly dependency: string,
    timeoutMs: number,
  ) {
    super(`${dependency} did not answer within ${timeoutMs} ms`);
  }
}

export type BreakerStateName = 'closed' | 'half_open' | 'open';

/** The gauge's values: a number per state, so `max_over_time(...) == 2` reads "was open". */
export const BREAKER_STATE_VALUE: Record<BreakerStateName, number> = { closed: 0, half_open: 1, open: 2 };

const stateName = (state: CircuitState): BreakerStateName =>
  state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half_open' : 'open';

/**
 * A timeout and a circuit breaker (cockatiel) around the calls to one dependency: after
 * `failures` failures in a row the breaker opens and every call fails at once with
 * DependencyBreakerOpen (callers answer a clear 503, never a hang) until `halfOpenAfterMs` has
 * passed; then one call is let through, and its outcome closes the breaker or opens it again.
 * A call fails when it throws (or times out): callers throw for what means "the dependency is
 * down" (unreachable, 5xx) and return normally for answers that are the caller's own problem (4xx).
 */
export class DependencyBreaker {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly policy;

  constructor(
    readonly dependency: string,
    private readonly settings: BreakerSettings,
    private readonly metrics?: ServiceMetrics,
  ) {
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: settings.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(settings.failures),
    });
    this.policy = wrap(this.breaker, timeout(settings.timeoutMs, TimeoutStrategy.Aggressive));
    this.metrics?.dependencyBreakerState.set({ dependency }, BREAKER_STATE_VALUE.closed);
    this.metrics?.dependencyCallsRefused.inc({ dependency }, 0);
    this.breaker.onStateChange((state) => this.metrics?.dependencyBreakerState.set({ dependency }, BREAKER_STATE_VALUE[stateName(state)]));
  }

  get state(): BreakerStateName {
    return stateName(this.breaker.state);
  }

  /** Runs `call` with an abort signal that fires at the timeout; see the class comment for what fails. */
  async execute<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await this.policy.execute(async ({ signal }) => {
        try {
          return await call(signal);
        } catch (err) {
          // Aborted while running: the timeout fired, and the call (fetch) rejected before the timeout policy did.
          throw signal.aborted ? new DependencyTimeout(this.dependency, this.settings.timeoutMs) : err;
        }
      });
    } catch (err) {
      if (isBrokenCircuitError(err) || err instanceof BrokenCircuitError) {
        this.metrics?.dependencyCallsRefused.inc({ dependency: this.dependency });
        throw new DependencyBreakerOpen(this.dependency);
      }
      if (err instanceof TaskCancelledError) throw new DependencyTimeout(this.dependency, this.settings.timeoutMs);
      throw err;
    }
  }
}
