import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChangeSequence } from './change-sequence';

const rows = (...ids: number[]) => ids.map((id) => ({ id }));
const idsOf = (taken: { ready: { id: number }[] }) => taken.ready.map((r) => r.id);

describe('the order in which feed changes are delivered', () => {
  test('consecutive ids are all ready and move the position past them', () => {
    const sequence = new ChangeSequence(10);
    const taken = sequence.take(rows(11, 12, 13), 0);
    assert.deepEqual(idsOf(taken), [11, 12, 13]);
    assert.equal(taken.gap, undefined);
    assert.equal(sequence.position, 13);
  });

  test('a missing id holds back everything after it, and the gap keeps the time it was first seen', () => {
    const sequence = new ChangeSequence(10);
    const first = sequence.take(rows(11, 14, 15), 1000);
    assert.deepEqual(idsOf(first), [11]);
    assert.deepEqual(first.gap, { from: 12, to: 13, waitedMs: 0 });
    assert.equal(sequence.position, 11);

    const again = sequence.take(rows(14, 15), 1300);
    assert.deepEqual(idsOf(again), []);
    assert.deepEqual(again.gap, { from: 12, to: 13, waitedMs: 300 });
  });

  test('once the missing ids show (their transaction committed), all of them go out in order', () => {
    const sequence = new ChangeSequence(10);
    sequence.take(rows(11, 13), 0);
    const filled = sequence.take(rows(12, 13, 14), 50);
    assert.deepEqual(idsOf(filled), [12, 13, 14]);
    assert.equal(filled.gap, undefined);
    assert.equal(sequence.position, 14);
  });

  test('a gap given up on is never delivered; the changes after it are', () => {
    const sequence = new ChangeSequence(10);
    const { gap } = sequence.take(rows(13), 0);
    sequence.skip(gap!);
    assert.equal(sequence.position, 12);
    assert.deepEqual(idsOf(sequence.take(rows(13, 14), 10)), [13, 14]);
    // A late row of the skipped gap is below the position: it is not delivered out of order.
    assert.deepEqual(idsOf(sequence.take(rows(12, 15), 20)), [15]);
  });

  test('a partly filled gap starts a new wait at its new first id', () => {
    const sequence = new ChangeSequence(0);
    sequence.take(rows(4), 0);
    const later = sequence.take(rows(1, 4), 500);
    assert.deepEqual(idsOf(later), [1]);
    assert.deepEqual(later.gap, { from: 2, to: 3, waitedMs: 0 });
  });

  test('skipping a gap that is no longer at the position changes nothing', () => {
    const sequence = new ChangeSequence(0);
    const { gap } = sequence.take(rows(3), 0);
    sequence.take(rows(1, 2, 3), 10);
    sequence.skip(gap!);
    assert.equal(sequence.position, 3);
  });
});
