import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Options } from 'express-rate-limit';
import { BoundedMemoryStore } from './bounded-memory-store';
import { boundedKey, progressiveDelayMs, RATE_LIMIT_KEY_MAX } from './security';

/** A store on a clock the test moves. */
function storeAt(maxEntries: number, windowMs = 1000) {
  const clock = { now: 1_000_000 };
  const store = new BoundedMemoryStore('test:', maxEntries, () => clock.now);
  store.init({ windowMs } as Options);
  return { store, clock };
}

describe('the bounded in-process rate-limit store', () => {
  test('counts per key within a window and starts again after it', () => {
    const { store, clock } = storeAt(10);
    assert.equal(store.increment('a').totalHits, 1);
    assert.equal(store.increment('a').totalHits, 2);
    assert.equal(store.increment('b').totalHits, 1);
    assert.equal(store.get('a')?.totalHits, 2);
    assert.equal(store.increment('a').resetTime?.getTime(), 1_001_000);
    clock.now += 1000;
    assert.equal(store.get('a'), undefined);
    assert.equal(store.increment('a').totalHits, 1, 'a new window');
  });

  test('expired keys are dropped as new ones arrive, not kept until the store fills', () => {
    const { store, clock } = storeAt(1000);
    for (let i = 0; i < 100; i++) store.increment(`old-${i}`);
    clock.now += 1000;
    store.increment('new');
    assert.equal(store.size, 1);
    assert.equal(store.evicted, 0, 'expiring is not evicting');
  });

  test('thousands of unique keys never hold more than the bound; the keys whose windows end soonest make room', () => {
    const { store, clock } = storeAt(500, 60_000);
    store.increment('early');
    for (let i = 0; i < 10_000; i++) {
      clock.now += 1;
      store.increment(`unique-${i}`);
      assert.ok(store.size <= 500);
    }
    assert.equal(store.size, 500);
    assert.equal(store.evicted, 10_001 - 500);
    assert.equal(store.get('early'), undefined, 'the oldest window went first');
    assert.equal(store.get('unique-9999')?.totalHits, 1, 'the newest is held');
    assert.equal(store.increment('unique-9999').totalHits, 2);
  });

  test('a key counted back to zero (a success, with countOnlyFailures) holds no memory', () => {
    const { store } = storeAt(10);
    store.increment('a');
    store.increment('a');
    store.decrement('a');
    assert.equal(store.get('a')?.totalHits, 1);
    store.decrement('a');
    assert.equal(store.size, 0);
    store.decrement('missing');
    assert.equal(store.size, 0);
  });

  test('resetKey and resetAll forget counts', () => {
    const { store } = storeAt(10);
    store.increment('a');
    store.increment('b');
    store.resetKey('a');
    assert.equal(store.get('a'), undefined);
    store.resetAll();
    assert.equal(store.size, 0);
  });
});

describe('limiter keys and delays', () => {
  test(`a key longer than ${RATE_LIMIT_KEY_MAX} characters is kept as its SHA-256, the same every time`, () => {
    assert.equal(boundedKey('203.0.113.9'), '203.0.113.9');
    const long = `email:${'x'.repeat(16_000)}@example.com`;
    const kept = boundedKey(long);
    assert.ok(kept.length <= RATE_LIMIT_KEY_MAX, kept);
    assert.equal(boundedKey(long), kept);
    assert.notEqual(boundedKey(`${long}!`), kept);
  });

  test('delays double from the first and never pass the maximum, however many failures', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6].map((over) => progressiveDelayMs(over, 250, 2000)),
      [0, 250, 500, 1000, 2000, 2000, 2000],
    );
    assert.equal(progressiveDelayMs(1_000_000, 250, 2000), 2000);
    assert.equal(progressiveDelayMs(3, 250, 0), 0);
  });
});
