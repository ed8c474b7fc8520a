import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { endKeepAliveWhileClosing } from './closing';
import { applyServerTimeouts } from './security';

/** A server whose answers take a while, and a keep-alive client that keeps sending on one connection. */
async function busyServer(): Promise<{ server: http.Server; get: () => Promise<string | undefined>; received: () => Promise<void> }> {
  const server = applyServerTimeouts(http.createServer((_req, res) => setTimeout(() => res.end('ok'), 200)));
  const received = () => new Promise<void>((resolve) => server.once('request', () => resolve()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const get = () =>
    new Promise<string | undefined>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers.connection));
        })
        .on('error', reject);
    });
  return { server, get, received };
}

describe('endKeepAliveWhileClosing', () => {
  test('a server closing under a keep-alive client answers what it took and closes once the answers are done', async () => {
    const { server, get, received } = await busyServer();
    await get();
    const taken = received();
    const inFlight = get();
    await taken;
    const started = Date.now();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    endKeepAliveWhileClosing(server);
    assert.equal(await inFlight, 'keep-alive', 'the request in flight is answered (it was taken before the close)');
    await closed;
    assert.ok(Date.now() - started < 2000, `closed in ${Date.now() - started} ms, not after the 65 s keep-alive`);
  });

  test('without it, the connection busy at close() stays open for the keep-alive time (what it is for)', async () => {
    const { server, get, received } = await busyServer();
    await get();
    const taken = received();
    const inFlight = get();
    await taken;
    let closed = false;
    server.close(() => (closed = true));
    // What stopServing did before: one sweep at close().
    server.closeIdleConnections();
    assert.equal(await inFlight, 'keep-alive');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(closed, false, 'still waiting on the kept-alive connection');
    server.closeAllConnections();
  });
});
