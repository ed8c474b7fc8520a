// HTTP load from autocannon: a fixed number of connections, a warm-up whose figures are thrown
// away, then the timed run. Latencies are autocannon's (2xx responses only, whole milliseconds).
import autocannon from 'autocannon';

function run(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { ...options, renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false },
      (err, result) => {
        if (err) reject(err);
        else resolve(result);
      },
    );
    // Without a listener autocannon prints nothing, but keep a handle for callers that stop early.
    instance.on('error', () => undefined);
  });
}

/**
 * Warm-up then timed run against one URL. `requests` are autocannon request definitions (their
 * setupRequest may vary path/headers per request); `overallRate` fixes the offered load.
 */
export async function measure({ url, connections, seconds, warmupSeconds = 3, requests, overallRate, timeoutSeconds = 10 }) {
  const base = { url, connections, requests, timeout: timeoutSeconds, ...(overallRate ? { overallRate } : {}) };
  if (warmupSeconds > 0) await run({ ...base, duration: warmupSeconds });
  const result = await run({ ...base, duration: seconds });
  return summarise(result);
}

export function summarise(result) {
  return {
    rps: Math.round(result.requests.average * 10) / 10,
    total: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.errors + result.timeouts + result.non2xx,
    non2xx: result.non2xx,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, v]) => [code, v.count])),
    durationSeconds: result.duration,
  };
}
