// The open-loop load generator, in a process of its own so the bench's bookkeeping (pollers, RSS
// and CPU sampling, the database observers) never delays a send. It offers a fixed rate on a
// schedule fixed in advance (request i is due at start + i / rate) whatever the answers do, and
// measures each request from the time it was DUE, not from when it went out: a stall in the
// service shows in every request it delayed, so there is no coordinated omission.
//
// Requests due while every socket is busy wait in a queue of its own (their wait is part of their
// latency); one not sent within the timeout of its due time is given up and counted (`notSent`).
//
// Input (env OPEN_LOOP, JSON): { url, rate, seconds, warmupSeconds, sockets, timeoutMs, requestsFile }.
// requestsFile holds a JSON array of { method, path, headers, body? }; request i is entry i mod length.
// Output: one IPC message { type: 'result', ... } then exit.
import { readFileSync } from 'node:fs';
import { RawHttpPool, requestBytes } from './raw-http.mjs';

const settings = JSON.parse(process.env.OPEN_LOOP);
const { rate, seconds, warmupSeconds, sockets, timeoutMs } = settings;
const target = new URL(settings.url);
const requests = JSON.parse(readFileSync(settings.requestsFile, 'utf8'));
/** A send this much after its due time means the generator itself fell behind (counted, and judged). */
const LATE_MS = 10;

const pool = new RawHttpPool({ host: target.hostname, port: target.port, size: sockets, timeoutMs });
/** Prepared bytes per request spec, made on first use (a list of likes is used once each). */
const prepared = new Map();
const intervalMs = 1000 / rate;
const total = Math.floor(rate * (warmupSeconds + seconds));
const warmupCount = Math.floor(rate * warmupSeconds);

const latencies = [];
const sendLags = [];
const statusCodes = {};
const failures = {};
let measured = 0;
let completed = 0;
let lateSends = 0;
let waitedForSocket = 0;
let notSent = 0;
let inFlight = 0;
let maxInFlight = 0;
let maxQueued = 0;
/** Requests due while every socket was busy, oldest first: sent as sockets free up, late. */
const queue = [];
/** Index of the queue's oldest entry (an index, not shift(): the queue can hold many thousands). */
let queueHead = 0;
let finishedAt = 0;
let outstanding = 0;

/**
 * A request falls due: sent now if a socket is free, else queued (its wait counts in its latency,
 * since latency runs from the due time). One that could not be sent within the timeout of its due
 * time is given up and counted (`notSent`), so an overloaded service cannot stretch the run forever.
 */
function due(index, dueAt) {
  const counted = index >= warmupCount;
  if (counted) {
    measured++;
    // How late the generator itself is (its timer ran late), apart from any wait for a socket.
    const lag = performance.now() - dueAt;
    sendLags.push(lag);
    if (lag > LATE_MS) lateSends++;
  }
  outstanding++;
  if (pool.hasFree()) {
    send(index, dueAt, counted);
    return;
  }
  if (counted) waitedForSocket++;
  queue.push([index, dueAt, counted]);
  maxQueued = Math.max(maxQueued, queue.length - queueHead);
}

function sendQueued() {
  while (queueHead < queue.length && pool.hasFree()) {
    const [index, dueAt, counted] = queue[queueHead];
    queue[queueHead++] = undefined;
    if (performance.now() - dueAt > timeoutMs) {
      outstanding--;
      if (counted) {
        notSent++;
        failures['not sent within the timeout'] = (failures['not sent within the timeout'] ?? 0) + 1;
      }
      continue;
    }
    send(index, dueAt, counted);
  }
  if (outstanding === 0 && scheduled === total) finish();
}

function send(index, dueAt, counted) {
  const at = index % requests.length;
  let bytes = prepared.get(at);
  if (!bytes) {
    bytes = requestBytes(requests[at], pool.hostHeader);
    // Keep only what will be sent again (the list's one request), not each like's.
    if (requests.length < 1000) prepared.set(at, bytes);
  }
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  pool.request(bytes, (status, failure) => {
    inFlight--;
    outstanding--;
    const end = performance.now();
    finishedAt = end;
    if (counted) {
      if (status !== undefined) statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      if (failure) failures[failure] = (failures[failure] ?? 0) + 1;
      else if (status >= 200 && status < 300) {
        completed++;
        latencies.push(end - dueAt);
      }
    }
    // Off this stack: a connection that failed at once must not recurse through the queue.
    queueMicrotask(sendQueued);
  });
}

let scheduled = 0;
let startAt = 0;

function tick() {
  const now = performance.now();
  while (scheduled < total && startAt + scheduled * intervalMs <= now) {
    // Counted before the call: a request that completes at once must not see the schedule unfinished.
    scheduled++;
    due(scheduled - 1, startAt + (scheduled - 1) * intervalMs);
  }
  if (scheduled < total) setTimeout(tick, Math.max(0, startAt + scheduled * intervalMs - performance.now()));
}

const cpuAtStart = process.cpuUsage();
let finished = false;
function finish() {
  if (finished) return;
  finished = true;
  const cpu = process.cpuUsage(cpuAtStart);
  const sorted = latencies.sort((a, b) => a - b);
  const lags = sendLags.sort((a, b) => a - b);
  const at = (list, q) => (list.length ? round(list[Math.min(list.length - 1, Math.floor(q * list.length))]) : null);
  const measuredSeconds = (finishedAt - (startAt + warmupCount * intervalMs)) / 1000;
  process.send({
    type: 'result',
    offeredRate: rate,
    offered: measured,
    completed,
    // Answers per second over the measured schedule plus the tail it took to answer its last request.
    achievedRate: measuredSeconds > 0 ? round(completed / measuredSeconds) : null,
    p50Ms: at(sorted, 0.5),
    p90Ms: at(sorted, 0.9),
    p99Ms: at(sorted, 0.99),
    p999Ms: at(sorted, 0.999),
    maxMs: sorted.length ? round(sorted[sorted.length - 1]) : null,
    meanMs: sorted.length ? round(sorted.reduce((a, b) => a + b, 0) / sorted.length) : null,
    errors: measured - completed,
    statusCodes,
    failures,
    lateSends,
    lateSendMs: LATE_MS,
    sendLagP99Ms: at(lags, 0.99),
    sendLagMaxMs: lags.length ? round(lags[lags.length - 1]) : null,
    waitedForSocket,
    notSent,
    maxInFlight,
    maxQueued,
    sockets,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  });
  pool.destroy();
  process.disconnect();
}

function round(n) {
  return Math.round(n * 10) / 10;
}

// Start a little ahead so the first due times are not already past when the loop runs.
startAt = performance.now() + 20;
setTimeout(tick, 20);
if (total === 0) finish();
