import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FaultProxy } from './fault-proxy';
import { eventually } from './index';

/** An upstream that echoes what it receives and records it, per connection. */
let server: net.Server;
const received: Buffer[][] = [];
const serverSockets: net.Socket[] = [];

before(async () => {
  server = net.createServer((socket) => {
    const chunks: Buffer[] = [];
    received.push(chunks);
    serverSockets.push(socket);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      socket.write(chunk);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  for (const socket of serverSockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function connectThrough(proxy: FaultProxy): Promise<{ socket: net.Socket; echoed: () => Buffer; closed: () => boolean }> {
  const socket = net.connect(proxy.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (chunk) => chunks.push(chunk));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  return { socket, echoed: () => Buffer.concat(chunks), closed: () => closed };
}

describe('FaultProxy', () => {
  test('latency with jitter delays every chunk each way and keeps the stream in order', async () => {
    const proxy = new FaultProxy('127.0.0.1', (server.address() as net.AddressInfo).port);
    await proxy.start();
    try {
      const client = await connectThrough(proxy);
      let seed = 7;
      proxy.setMode('latency', { latencyMs: 60, jitterMs: 50, random: () => (seed = (seed * 16807) % 2147483647) / 2147483647 });
      const started = Date.now();
      const expected = Array.from({ length: 20 }, (_, i) => `<${i}>`).join('');
      for (let i = 0; i < 20; i++) {
        client.socket.write(`<${i}>`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await eventually(async () => client.echoed().toString() === expected, { what: 'every chunk echoed, in order' });
      // Out and back: at least twice the smallest delay (latency - jitter).
      assert.ok(Date.now() - started >= 2 * 10);
      const stats = proxy.stats();
      assert.ok(stats.delayedChunks >= 2, `delayed ${stats.delayedChunks} chunks`);
      assert.ok(stats.maxDelayMs >= 10 && stats.maxDelayMs <= 200, `longest delay ${stats.maxDelayMs}`);
      client.socket.destroy();
    } finally {
      await proxy.stop();
    }
  });

  test('close-after passes on only the budgeted bytes of a chunk, then closes: the peer holds part of a frame', async () => {
    const proxy = new FaultProxy('127.0.0.1', (server.address() as net.AddressInfo).port);
    await proxy.start();
    try {
      const client = await connectThrough(proxy);
      client.socket.write('hello');
      await eventually(async () => client.echoed().toString() === 'hello', { what: 'the echo while passing' });
      const upstream = received[received.length - 1]!;
      proxy.setMode('close-after', { bytes: 3 });
      client.socket.write('0123456789');
      await eventually(async () => client.closed(), { what: 'the connection to close' });
      await eventually(async () => Buffer.concat(upstream).toString() === 'hello012', { what: 'the upstream to get 3 bytes of the chunk' });
      assert.equal(proxy.stats().cutsMidChunk, 1);
    } finally {
      await proxy.stop();
    }
  });

  test("a blackhole swallows traffic and hides the far side's close, as a partition would, until cut", async () => {
    const proxy = new FaultProxy('127.0.0.1', (server.address() as net.AddressInfo).port);
    await proxy.start();
    try {
      const client = await connectThrough(proxy);
      client.socket.write('ping');
      await eventually(async () => client.echoed().toString() === 'ping', { what: 'the echo while passing' });
      const upstreamSocket = serverSockets[serverSockets.length - 1]!;
      proxy.setMode('blackhole');
      client.socket.write('lost');
      await eventually(async () => proxy.stats().swallowedBytes >= 4, { what: 'the bytes to be swallowed' });
      const upstreamClosed = new Promise((resolve) => upstreamSocket.once('close', resolve));
      upstreamSocket.destroy();
      await upstreamClosed;
      // A window for the close to travel, if the proxy let it: it must not.
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(client.closed(), false, 'the client heard nothing');
      assert.equal(proxy.cutAll(), 1);
      await eventually(async () => client.closed(), { what: 'the cut to close the client' });
    } finally {
      await proxy.stop();
    }
  });
});
