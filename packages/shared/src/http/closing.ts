import type { Server } from 'node:http';

/** How often a closing server looks for connections that went idle since it last did. */
const SWEEP_MS = 100;

/**
 * Lets a server's keep-alive connections end once it is closing. `server.close()` stops accepting
 * connections and closes the idle ones once; a connection busy at that moment finishes its response
 * and then stays open for `keepAliveTimeout` (65 s, longer than the balancers': SERVER_TIMEOUTS),
 * serving whatever its client sends next, and `close()` waits for it: past the shutdown deadline.
 * From this call on, every response says `Connection: close` (its socket ends after it), and idle
 * connections are closed every 100 ms. Returns a stop function; the timer never holds the process.
 */
export function endKeepAliveWhileClosing(server: Server): () => void {
  const closeAfterResponse = (_req: unknown, res: { shouldKeepAlive: boolean; headersSent: boolean }) => {
    if (!res.headersSent) res.shouldKeepAlive = false;
  };
  server.prependListener('request', closeAfterResponse);
  server.closeIdleConnections();
  const sweeper = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
  sweeper.unref();
  const stop = () => {
    clearInterval(sweeper);
    server.off('request', closeAfterResponse);
  };
  server.once('close', stop);
  return stop;
}
