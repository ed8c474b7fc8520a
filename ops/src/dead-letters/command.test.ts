import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDeadLetterCommand } from './command';

describe('the dead-letters command line', () => {
  test('list and replay read their queue, ids and options', () => {
    assert.deepEqual(parseDeadLetterCommand(['list']), { command: 'list', consumers: ['main', 'admin'], max: undefined, json: false });
    assert.deepEqual(parseDeadLetterCommand(['list', '--queue', 'admin', '--max', '5', '--json']), {
      command: 'list',
      consumers: ['admin'],
      max: 5,
      json: true,
    });
    assert.deepEqual(parseDeadLetterCommand(['replay', 'a', 'b', '--queue', 'main']), {
      command: 'replay',
      consumers: ['main'],
      max: undefined,
      ids: ['a', 'b'],
    });
    assert.deepEqual(parseDeadLetterCommand(['replay', '--all']), {
      command: 'replay',
      consumers: ['main', 'admin'],
      max: undefined,
      ids: 'all',
    });
  });

  test('anything ambiguous is refused, above all a replay that could mean "everything" by mistake', () => {
    for (const argv of [
      [],
      ['purge'],
      ['replay'],
      ['replay', 'x', '--all'],
      ['list', 'x'],
      ['list', '--all'],
      ['list', '--queue', 'other'],
      ['list', '--max', '0'],
      ['list', '--max', 'x'],
      ['list', '--unknown'],
    ]) {
      assert.equal(parseDeadLetterCommand(argv), undefined, argv.join(' '));
    }
  });
});
