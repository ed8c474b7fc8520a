// The machine's own limits, measured in the same run as the scenarios so ratios stay meaningful
// while absolute numbers drift: HTTP servers with nothing behind them, the database's rate for the
// like's two inserts and a commit, and the broker's confirmed-publish rate.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import amqplib from 'amqplib';
import mysql from 'mysql2/promise';
import { TEST_DB } from '@catalogue/shared/testing';
import { measure } from './load.mjs';
import { freePort, sleep, waitForHttp } from './ports.mjs';
import { LOG_DIR, ROOT, startChild } from './processes.mjs';

/** Runs one calibration server as a child process and loads its route like scenario 1 loads main. */
export async function calibrateHttp(kind, { body, connections, seconds, warmupSeconds, sampler }) {
  const bodyFile = path.join(LOG_DIR, 'calibration-body.json');
  mkdirSync(LOG_DIR, { recursive: true });
  writeFileSync(bodyFile, JSON.stringify(body));
  const port = await freePort();
  const server = startChild(`calibration-${kind}`, path.join(ROOT, 'bench', 'servers', `${kind}.mjs`), {
    env: { NODE_ENV: 'production', PORT: String(port), BODY_FILE: bodyFile },
  });
  const url = `http://127.0.0.1:${port}${kind === 'bare-http' ? '/' : '/hello'}`;
  try {
    await waitForHttp(url, 30_000, server.alive);
    sampler.watch(kind, server.pid);
    const end = sampler.begin(`calibration:${kind}`);
    const result = await measure({ url, connections, seconds, warmupSeconds });
    return { ...result, rssMb: { [kind]: end()[kind] } };
  } finally {
    sampler.unwatch(kind);
    await server.stop();
  }
}

/**
 * The like's write without the service: per transaction one likes row and one outbox row on a
 * pooled connection (BEGIN, INSERT, INSERT, COMMIT), `concurrency` transactions in flight.
 */
export async function calibrateInsertCommit({ database, concurrency, seconds, warmupSeconds }) {
  const pool = mysql.createPool({
    ...TEST_DB,
    database: database.credentials.database,
    connectionLimit: concurrency,
    enableKeepAlive: true,
  });
  const payload = JSON.stringify({
    id: randomUUID(),
    type: 'product_liked',
    occurredAt: new Date().toISOString(),
    data: { productId: 1, userId: 'u' },
  });
  let counting = false;
  let done = 0;
  let errors = 0;
  const latencies = [];
  let next = 0;
  const worker = async (deadline) => {
    while (Date.now() < deadline) {
      const started = performance.now();
      const id = randomUUID();
      const conn = await pool.getConnection();
      try {
        await conn.query('BEGIN');
        await conn.query('INSERT INTO likes (id, product_id, user_id) VALUES (?, ?, ?)', [id, 1 + (next++ % 100), `raw-${id}`]);
        await conn.query('INSERT INTO outbox (event_id, event_type, payload) VALUES (?, ?, ?)', [id, 'product_liked', payload]);
        await conn.query('COMMIT');
        if (counting) {
          done++;
          latencies.push(performance.now() - started);
        }
      } catch {
        if (counting) errors++;
        await conn.query('ROLLBACK').catch(() => undefined);
      } finally {
        conn.release();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker(Date.now() + warmupSeconds * 1000)));
    counting = true;
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, () => worker(Date.now() + seconds * 1000)));
    const elapsed = (performance.now() - started) / 1000;
    return { rps: round(done / elapsed), total: done, errors, ...percentiles(latencies) };
  } finally {
    await pool.end();
  }
}

/**
 * Persistent messages to a quorum queue (as the services publish) on one confirm channel with up
 * to `window` publishes awaiting confirms: the broker's ceiling for the outbox relay.
 */
export async function calibratePublish({ brokerUrl, namespace, seconds, window = 256 }) {
  const queue = `${namespace}calibration`;
  const connection = await amqplib.connect(brokerUrl, { noDelay: true });
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    const content = Buffer.from(
      JSON.stringify({
        id: randomUUID(),
        type: 'product_liked',
        occurredAt: new Date().toISOString(),
        data: { productId: 1, userId: 'u' },
      }),
    );
    let confirmed = 0;
    let failed = 0;
    let inFlight = 0;
    const deadline = Date.now() + seconds * 1000;
    const started = performance.now();
    await new Promise((resolve) => {
      const pump = () => {
        while (inFlight < window && Date.now() < deadline) {
          inFlight++;
          const ok = channel.publish('', queue, content, { persistent: true, contentType: 'application/json' }, (err) => {
            inFlight--;
            if (err) failed++;
            else confirmed++;
            if (Date.now() < deadline) setImmediate(pump);
            else if (inFlight === 0) resolve();
          });
          if (!ok) {
            channel.once('drain', pump);
            return;
          }
        }
        if (Date.now() >= deadline && inFlight === 0) resolve();
      };
      pump();
    });
    const elapsed = (performance.now() - started) / 1000;
    // The latency floor for propagation: one message at a time, each awaiting its confirm.
    const single = [];
    const singleDeadline = Date.now() + 2000;
    while (Date.now() < singleDeadline) {
      const t0 = performance.now();
      await new Promise((resolve, reject) =>
        channel.publish('', queue, content, { persistent: true }, (err) => (err ? reject(err) : resolve())),
      );
      single.push(performance.now() - t0);
    }
    const { p50Ms, p99Ms } = percentiles(single);
    await channel.deleteQueue(queue);
    await channel.close();
    return {
      rps: round(confirmed / elapsed),
      total: confirmed,
      errors: failed,
      window,
      singleConfirmP50Ms: p50Ms,
      singleConfirmP99Ms: p99Ms,
    };
  } finally {
    await connection.close();
    await sleep(10);
  }
}

export function percentiles(values) {
  if (values.length === 0) return { p50Ms: null, p99Ms: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

export const round = (n) => Math.round(n * 10) / 10;
