// Scenario 9's readers, in a process of their own so their work never slows the bench's load
// generator: opens STREAM_COUNT live streams (GET /api/products/stream) and keeps them reading.
// The first STREAM_SAMPLE streams record every message (id, product, arrival on this machine's
// clock); the others count messages only. Talks to the bench over IPC:
//   -> { type: 'opened', opened, failures, openMs }   once every stream said `ready` (or failed)
//   <- { type: 'report' }  -> { type: 'report', open, ended, messages, samples: [{ readyId, records }] }
import http from 'node:http';
import { EventStreamParser } from '@catalogue/shared/testing';

const url = process.env.STREAM_URL;
const count = Number(process.env.STREAM_COUNT ?? 1000);
const sample = Number(process.env.STREAM_SAMPLE ?? 20);
/** Opened this many at a time, so the server's accept backlog never overflows. */
const BATCH = 100;
const MARKER = 'event: product_';

const streams = [];

function open(index) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        resolve(`HTTP ${res.statusCode}`);
        return;
      }
      res.setEncoding('utf8');
      const stream = {
        res,
        ended: false,
        messages: 0,
        readyId: undefined,
        records: index < sample ? [] : undefined,
        parser: new EventStreamParser(),
        tail: '',
      };
      streams.push(stream);
      const finish = () => (stream.ended = true);
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      res.on('data', (chunk) => {
        const now = Date.now();
        if (stream.records || stream.readyId === undefined) {
          for (const message of stream.parser.push(chunk, now)) {
            if (message.event === 'ready') {
              stream.readyId = Number(message.lastEventId);
              resolve(undefined);
            } else if (message.event.startsWith('product_')) {
              stream.messages++;
              stream.records?.push([Number(message.lastEventId), JSON.parse(message.data).id, now]);
            }
          }
          return;
        }
        // Counting only: the marker may straddle two chunks, so keep the end of the last one.
        const text = stream.tail + chunk;
        for (let at = text.indexOf(MARKER); at >= 0; at = text.indexOf(MARKER, at + MARKER.length)) stream.messages++;
        stream.tail = text.slice(-(MARKER.length - 1));
      });
    });
    req.on('error', (err) => resolve(err.message));
  });
}

const started = performance.now();
const failures = {};
for (let i = 0; i < count; i += BATCH) {
  const results = await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, (_, j) => open(i + j)));
  for (const failure of results.filter(Boolean)) failures[failure] = (failures[failure] ?? 0) + 1;
}
process.send({ type: 'opened', opened: streams.length, failures, openMs: Math.round(performance.now() - started) });

process.on('message', (message) => {
  if (message.type !== 'report') return;
  process.send({
    type: 'report',
    open: streams.filter((s) => !s.ended).length,
    ended: streams.filter((s) => s.ended).length,
    messages: streams.reduce((sum, s) => sum + s.messages, 0),
    samples: streams.filter((s) => s.records).map((s) => ({ readyId: s.readyId, records: s.records })),
  });
});
process.on('disconnect', () => {
  for (const stream of streams) stream.res.destroy();
  process.exit(0);
});
