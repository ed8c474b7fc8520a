import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ServiceMetrics } from '../observability/metrics';
import { eventually } from '../testing';
import { DependencyBreaker, DependencyBreakerOpen, DependencyTimeout } from './dependency-breaker';

const stateOf = async (metrics: ServiceMetrics, dependency: string) =>
  (await metrics.registry.getSingleMetric('catalogue_dependency_breaker_state')!.get()).values.find(
    (v) => v.labels.dependency === dependency,
  )?.value;

describe('a dependency behind a breaker', () => {
  test('opens after the configured failures in a row, then refuses at once without calling, and its state is a metric', async () => {
    const metrics = new ServiceMetrics('main', { defaultMetrics: false });
    const breaker = new DependencyBreaker('admin_example', { timeoutMs: 1000, failures: 3, halfOpenAfterMs: 60_000 }, metrics);
    assert.equal(await stateOf(metrics, 'admin_example'), 0);
    let calls = 0;
    const failing = () =>
      breaker.execute(async () => {
        calls++;
        throw new Error('admin answered 502');
      });
    for (let i = 0; i < 3; i++) await assert.rejects(failing(), /502/);
    assert.equal(breaker.state, 'open');
    assert.equal(await stateOf(metrics, 'admin_example'), 2);
    await assert.rejects(failing(), DependencyBreakerOpen);
    assert.equal(calls, 3, 'the open breaker did not call');
  });

  test('a call that outlives the timeout is abandoned (its signal aborts) and counts as a failure', async () => {
    const breaker = new DependencyBreaker('slow', { timeoutMs: 50, failures: 1, halfOpenAfterMs: 60_000 });
    let aborted = false;
    await assert.rejects(
      breaker.execute(
        (signal) =>
          new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(new Error('aborted'));
            });
          }),
      ),
      DependencyTimeout,
    );
    assert.ok(aborted, 'the call was told to stop');
    assert.equal(breaker.state, 'open');
  });

  test('after the half-open delay one trial goes through: success closes the breaker, failure opens it again', async () => {
    const metrics = new ServiceMetrics('main', { defaultMetrics: false });
    const breaker = new DependencyBreaker('flaky', { timeoutMs: 1000, failures: 1, halfOpenAfterMs: 100 }, metrics);
    await assert.rejects(breaker.execute(() => Promise.reject(new Error('down'))));
    assert.equal(breaker.state, 'open');
    // The trial fails: open again, refusing until the next delay has passed.
    await eventually(
      async () =>
        (await breaker.execute(() => Promise.reject(new Error('still down'))).catch((err: Error) => err.message)) === 'still down',
      { what: 'a failed trial' },
    );
    assert.equal(breaker.state, 'open');
    await assert.rejects(
      breaker.execute(() => Promise.resolve('never')),
      DependencyBreakerOpen,
    );
    // The trial succeeds: closed.
    const answer = await eventually(() => breaker.execute(() => Promise.resolve('back')).catch(() => undefined), {
      what: 'a successful trial',
    });
    assert.equal(answer, 'back');
    assert.equal(breaker.state, 'closed');
    assert.equal(await stateOf(metrics, 'flaky'), 0);
  });
});
