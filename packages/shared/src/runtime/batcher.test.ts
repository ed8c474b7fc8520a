import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MicroBatcher, type BatchOutcome } from './batcher';

/** A batch runner that records each batch and answers once released. */
function recordingRunner() {
  const batches: number[][] = [];
  const releases: (() => void)[] = [];
  const run = (items: number[]) => {
    batches.push(items);
    return new Promise<BatchOutcome<number>[]>((resolve) => {
      releases.push(() => resolve(items.map((n) => (n < 0 ? { ok: false, error: new Error(`bad ${n}`) } : { ok: true, value: n * 10 }))));
    });
  };
  return { batches, releases, run };
}

/** Lets pending callbacks, promise reactions and the batcher's scheduled dispatch run. */
const turn = async () => {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('MicroBatcher', () => {
  test('items submitted in the same turn share one batch, and each gets its own answer', async () => {
    const runner = recordingRunner();
    const batcher = new MicroBatcher({ maxBatch: 10, maxConcurrent: 1, run: runner.run });
    const answers = [1, -2, 3].map((n) =>
      batcher.submit(n).then(
        (v) => ({ v }),
        (e: Error) => ({ e: e.message }),
      ),
    );
    await turn();
    assert.deepEqual(runner.batches, [[1, -2, 3]]);
    runner.releases[0]!();
    assert.deepEqual(await Promise.all(answers), [{ v: 10 }, { e: 'bad -2' }, { v: 30 }]);
  });

  test('items arriving while every slot is busy wait and go together in the next batch', async () => {
    const runner = recordingRunner();
    const batcher = new MicroBatcher({ maxBatch: 2, maxConcurrent: 1, run: runner.run });
    const first = batcher.submit(1);
    await turn();
    const later = [2, 3, 4].map((n) => batcher.submit(n));
    await turn();
    assert.deepEqual(runner.batches, [[1]], 'nothing starts while the only slot is busy');
    runner.releases[0]!();
    assert.equal(await first, 10);
    await turn();
    assert.deepEqual(runner.batches, [[1], [2, 3]], 'the next batch takes at most maxBatch');
    runner.releases[1]!();
    await turn();
    assert.deepEqual(runner.batches, [[1], [2, 3], [4]]);
    runner.releases[2]!();
    assert.deepEqual(await Promise.all(later), [20, 30, 40]);
  });

  test('a batch that fails as a whole fails each of its items, and the next batch still runs', async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number, number>({
      maxBatch: 10,
      maxConcurrent: 1,
      run: async (items) => {
        calls++;
        if (calls === 1) throw new Error('database down');
        return items.map((n) => ({ ok: true as const, value: n }));
      },
    });
    const failed = [1, 2].map((n) => batcher.submit(n).catch((e: Error) => e.message));
    assert.deepEqual(await Promise.all(failed), ['database down', 'database down']);
    assert.equal(await batcher.submit(3), 3);
  });
});
