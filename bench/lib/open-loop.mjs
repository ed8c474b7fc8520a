// Open-loop load at a fixed rate (`--rate`, the sweep): the bench side of open-loop-worker.mjs.
// Closed-loop load (autocannon, `measure` in load.mjs) finds capacity; it cannot say what a user
// waits at a given rate, because a slow answer holds back the requests behind it and their wait is
// never counted (coordinated omission; autocannon's `-C` only interpolates it afterwards). Here the
// schedule is fixed and each latency runs from the request's due time.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LOG_DIR, ROOT, startChild } from './processes.mjs';

const SOCKETS = process.env.BENCH_OPEN_LOOP_SOCKETS ? Number(process.env.BENCH_OPEN_LOOP_SOCKETS) : 256;
let runs = 0;

/**
 * Offers `rate` requests a second to `url` for warmupSeconds + seconds (the warm-up's requests are
 * sent but not counted). `requests` is a list of { method, path, headers, body? }; request i is
 * entry i mod length, so give as many as will be sent when each must be unique (likes).
 * Resolves to the worker's figures plus `generatorCpuSeconds`.
 */
export async function openLoop({ url, rate, seconds, warmupSeconds, requests, sockets = SOCKETS, timeoutSeconds = 10 }) {
  mkdirSync(LOG_DIR, { recursive: true });
  const requestsFile = path.join(LOG_DIR, `open-loop-requests-${process.pid}-${runs++}.json`);
  writeFileSync(requestsFile, JSON.stringify(requests));
  const worker = startChild('open-loop', path.join(ROOT, 'bench', 'lib', 'open-loop-worker.mjs'), {
    ipc: true,
    env: { OPEN_LOOP: JSON.stringify({ url, rate, seconds, warmupSeconds, sockets, timeoutMs: timeoutSeconds * 1000, requestsFile }) },
  });
  try {
    const result = await new Promise((resolve, reject) => {
      const limit = setTimeout(
        () => reject(new Error('open-loop generator gave no result in time')),
        (warmupSeconds + seconds + timeoutSeconds + 30) * 1000,
      );
      worker.child.once('message', (message) => {
        clearTimeout(limit);
        resolve(message);
      });
      worker.child.once('exit', (code) => {
        clearTimeout(limit);
        reject(new Error(`open-loop generator exited (${code}) before reporting; see bench-results/logs/open-loop.log`));
      });
    });
    // eslint-disable-next-line no-unused-vars -- the message's type is dropped from the figures
    const { type, cpuSeconds, ...figures } = result;
    return { mode: 'open-loop', rps: figures.achievedRate, total: figures.completed, ...figures, generatorCpuSeconds: cpuSeconds };
  } finally {
    await worker.stop();
    rmSync(requestsFile, { force: true });
  }
}

/** How many requests a run of `rate` for warmup + seconds sends (each like must be a new one). */
export const requestCount = (rate, seconds, warmupSeconds) => Math.floor(rate * (warmupSeconds + seconds)) + 1;
