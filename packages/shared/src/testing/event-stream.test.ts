import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventStreamParser } from './event-stream';

const strip = (messages: { lastEventId: string; event: string; data: string }[]) =>
  messages.map(({ lastEventId, event, data }) => ({ lastEventId, event, data }));

describe('the test clients read text/event-stream as EventSource does', () => {
  test('a message split across chunks, with CRLF, CR and LF line ends, is dispatched once whole', () => {
    const parser = new EventStreamParser();
    assert.deepEqual(parser.push('id: 7\r\nevent: product_likes\r'), []);
    assert.deepEqual(parser.push('\ndata: {"id":1,'), []);
    assert.deepEqual(strip(parser.push('"likes":2}\r\r')), [{ lastEventId: '7', event: 'product_likes', data: '{"id":1,"likes":2}' }]);
    assert.deepEqual(strip(parser.push('data: a\r')), []);
    assert.deepEqual(
      strip(parser.push('\ndata: b\n\n')),
      [{ lastEventId: '7', event: 'message', data: 'a\nb' }],
      'the id persists; a CRLF split across chunks is one line end; data lines join with LF',
    );
  });

  test('comments are counted, not dispatched; retry is kept; a message without data is not dispatched', () => {
    const parser = new EventStreamParser();
    assert.deepEqual(parser.push(':\n\n: heartbeat\n\nretry: 1500\n\nid: 9\nevent: ready\n\n'), []);
    assert.equal(parser.comments, 2);
    assert.equal(parser.retryMs, 1500);
    assert.equal(parser.lastEventId, '9');
  });
});
