// The bench's open-loop generator (bench/lib/open-loop.mjs) measures each request from the time it
// was due, so a stall of the service counts in every request due during it, not only in the one
// that was on the wire (no coordinated omission). One socket makes the difference visible: while
// the server holds its one request, the requests falling due queue in the generator; timed from
// when they went out, they would all look fast.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

const REPO_ROOT = join(__dirname, '..', '..', '..');

interface OpenLoopResult {
  offered: number;
  completed: number;
  errors: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  waitedForSocket: number;
  notSent: number;
  maxInFlight: number;
}
type OpenLoop = (options: Record<string, unknown>) => Promise<OpenLoopResult>;

test('open loop: a 1 s stall shows in every request due during it', async () => {
  const { openLoop } = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'lib', 'open-loop.mjs')).href)) as { openLoop: OpenLoop };
  let first: number | undefined;
  let stalled = false;
  const server = http.createServer((_req, res) => {
    first ??= performance.now();
    // One stall of 1 s, 2 s into the run; every other answer at once.
    if (!stalled && performance.now() - first > 2000) {
      stalled = true;
      setTimeout(() => res.end('ok'), 1000);
      return;
    }
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const result = await openLoop({
      url: `http://127.0.0.1:${port}`,
      rate: 50,
      seconds: 5,
      warmupSeconds: 0,
      sockets: 1,
      requests: [{ method: 'GET', path: '/', headers: {} }],
    });
    assert.ok(stalled, 'the server stalled once');
    assert.equal(result.offered, 250);
    assert.equal(result.completed, 250, `every request answered (${JSON.stringify(result)})`);
    assert.equal(result.errors, 0);
    assert.equal(result.maxInFlight, 1, 'never more than its one socket');
    // About 50 requests (a fifth) fell due during the stall and waited for the socket, their waits
    // spread from 1 s down to nothing: the slowest tenth all waited about half a second or more.
    // Timed from their send instead, only the stalled request would be slow and p90 ~1 ms.
    assert.ok(result.waitedForSocket >= 40, `requests queued behind the stall: ${result.waitedForSocket}`);
    assert.ok(result.p90Ms >= 300, `p90 from due time ${result.p90Ms} ms`);
    assert.ok(result.maxMs >= 900, `the request due as the stall began waited it out: ${result.maxMs} ms`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

interface RawPool {
  hostHeader: string;
  hasFree(): boolean;
  request(bytes: Buffer, callback: (status: number | undefined, failure?: string) => void): void;
  destroy(): void;
}

test("open loop's HTTP client: frames Content-Length, chunked and 204 answers on one kept-alive connection", async () => {
  const raw = (await import(pathToFileURL(join(REPO_ROOT, 'bench', 'lib', 'raw-http.mjs')).href)) as {
    RawHttpPool: new (options: Record<string, unknown>) => RawPool;
    requestBytes: (spec: Record<string, unknown>, host: string) => Buffer;
  };
  const connections = new Set<unknown>();
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    connections.add(req.socket);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      bodies.push(body);
      if (req.url === '/chunked') {
        res.write('x'.repeat(20_000));
        setTimeout(() => res.end('y'), 20);
      } else if (req.url === '/empty') {
        res.statusCode = 204;
        res.end();
      } else {
        res.statusCode = 201;
        res.end(JSON.stringify({ ok: true, pad: 'z'.repeat(70_000) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const pool = new raw.RawHttpPool({ host: '127.0.0.1', port, size: 1, timeoutMs: 5000 });
  const send = (spec: Record<string, unknown>) =>
    new Promise<[number | undefined, string | undefined]>((resolve) =>
      pool.request(raw.requestBytes(spec, pool.hostHeader), (status, failure) => resolve([status, failure])),
    );
  try {
    assert.deepEqual(await send({ method: 'POST', path: '/json', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }), [
      201,
      undefined,
    ]);
    assert.deepEqual(await send({ method: 'GET', path: '/chunked' }), [200, undefined]);
    assert.deepEqual(await send({ method: 'GET', path: '/empty' }), [204, undefined]);
    assert.deepEqual(await send({ method: 'GET', path: '/json' }), [201, undefined]);
    assert.deepEqual(bodies, ['{"a":1}', '', '', '']);
    assert.equal(connections.size, 1, 'one connection, kept alive across the four');
    assert.ok(pool.hasFree());
  } finally {
    pool.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
