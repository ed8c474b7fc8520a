import type { Server } from 'node:http';
import { endKeepAliveWhileClosing } from '@catalogue/shared';
import type { MainService } from '../app';

/**
 * The first half of shutdown, for main.ts and for tests that restart a replica in place: readiness
 * answers 503, requests are still served for `drainMs` (SHUTDOWN_DRAIN_MS: a load balancer checking
 * readiness takes the replica out meanwhile), then the server accepts no more connections, the
 * live streams end (each told when to reconnect, which it does through the balancer to another
 * replica), keep-alive connections close as their answers end. Resolves once the last connection
 * has closed: requests in flight finish first. Without ending the streams, server.close() would wait on them
 * for as long as their readers stay.
 */
export async function stopServing(server: Server, service: Pick<MainService, 'lifecycle' | 'live'>, drainMs = 0): Promise<void> {
  service.lifecycle.draining = true;
  if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const stopEnding = endKeepAliveWhileClosing(server);
  try {
    await service.live.closeAll();
    await closed;
  } finally {
    stopEnding();
  }
}
