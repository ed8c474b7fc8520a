import { brokerLosses, dbTrouble, deltaOf, median, proveEach } from './probes';
import type { FaultContext, OutcomeCheck, Scenario } from './runner';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Slows links for `holdMs`. Proven by the proxies (they delayed traffic) and, after quiescence, by
 * the likes: those in flight during the window were accepted, and those sent while it had at least
 * `minLikeMs` left took at least `minLikeMs` (median).
 */
async function slowLinks(
  ctx: FaultContext,
  links: ('mainBroker' | 'adminBroker' | 'mainDb' | 'adminDb')[],
  latencyMs: number,
  jitterMs: number,
  holdMs: number,
  minLikeMs: number,
): Promise<OutcomeCheck> {
  const { system, workload, evidence, random } = ctx;
  const before = Object.fromEntries(links.map((link) => [link, system.proxies[link].stats().delayedChunks]));
  const start = workload.history.now();
  for (const link of links) system.proxies[link].setMode('latency', { latencyMs, jitterMs, random });
  await sleep(holdMs);
  const end = workload.history.now();
  for (const link of links) {
    const stats = system.proxies[link].stats();
    evidence.require(stats.delayedChunks > before[link]!, `the ${link} link delayed traffic`, stats.delayedChunks - before[link]!);
    evidence.note(`${link}: longest delay so far (ms)`, Math.round(stats.maxDelayMs));
  }
  return async () => {
    const ok = workload.history.operations.filter((op) => op.type === 'like' && op.status === 'ok');
    const inFlight = ok.filter((op) => op.invokedAt < end && op.completedAt! > start);
    // Sent while the links stayed slow for at least `minLikeMs` more: one sent just before they
    // healed is answered at the healed speed and says nothing about the slow links.
    const sentDuring = inFlight.filter((op) => op.invokedAt >= start && op.invokedAt <= end - minLikeMs);
    evidence.require(inFlight.length >= 3, 'likes in flight while the links were slow were accepted', inFlight.length);
    const durations = sentDuring.map((op) => op.completedAt! - op.invokedAt);
    evidence.require(
      sentDuring.length >= 1 && median(durations) >= minLikeMs,
      `likes sent during the fault were accepted and took at least ${minLikeMs} ms (median)`,
      { likes: sentDuring.length, medianMs: Math.round(median(durations)) },
    );
  };
}

/** The proxies' latency (with jitter) and mid-frame cuts on the links. */
export const NETWORK_SCENARIOS: Scenario[] = [
  {
    name: 'latency with jitter on every link',
    proves: '200 ms (±50) on every broker and database link: slower, never wrong',
    workloadMs: 11_000,
    fault: (ctx) => slowLinks(ctx, ['mainBroker', 'adminBroker', 'mainDb', 'adminDb'], 200, 50, 8000, 400),
  },
  {
    name: 'slow database while likes keep coming',
    proves: "250 ms (±100) on both databases' links while likes keep coming: batching keeps accepting them, counts stay exact",
    workloadMs: 11_000,
    fault: (ctx) => slowLinks(ctx, ['mainDb', 'adminDb'], 250, 100, 8000, 500),
  },
  {
    name: 'connections cut in the middle of a frame',
    proves: 'connections to the broker and the databases cut 1-4 bytes into a chunk (a half-sent frame or packet) are survived',
    workloadMs: 6000,
    async fault({ system, evidence, random }) {
      const links = ['mainBroker', 'adminBroker', 'mainDb', 'adminDb'] as const;
      const losses = await brokerLosses(system, 'connection_lost');
      const trouble = [await dbTrouble(system.main, 'connection'), await dbTrouble(system.admin, 'connection')];
      const midChunk = (link: (typeof links)[number]) => system.proxies[link].stats().cutsMidChunk;
      const before = Object.fromEntries(links.map((link) => [link, midChunk(link)]));
      // Rounds until every link has been cut mid-chunk and both services felt a database cut.
      for (let round = 0; round < 12; round++) {
        // 1-4 bytes into the next chunk is inside its first frame: AMQP frame headers are 7
        // bytes, MySQL packet headers 4.
        for (const link of links) system.proxies[link].setMode('close-after', { bytes: 1 + Math.floor(random() * 4) });
        await sleep(1500);
        system.heal();
        await sleep(500);
        const felt = await Promise.all([...trouble, ...losses].map(deltaOf));
        if (links.every((link) => midChunk(link) > before[link]!) && felt.every((n) => n > 0)) break;
      }
      for (const link of links)
        evidence.require(midChunk(link) > before[link]!, `the ${link} link was cut mid-chunk`, midChunk(link) - before[link]!);
      await proveEach(evidence, trouble, 1, 1000);
      await proveEach(evidence, losses);
    },
  },
];
