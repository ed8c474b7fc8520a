import { ServiceCounter } from './evidence';
import { brokerConnectFailures, brokerLosses, deltaOf, METRICS, proveEach } from './probes';
import type { FaultContext, Scenario } from './runner';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Both services' broker connections are lost (for `reason`) while `inject` runs its fault. */
/**
 * The broker closes every connection while `inject` runs: each of the four is lost, and the
 * broker's own close (320 CONNECTION_FORCED) was seen. Not on every connection: one that is
 * writing at that moment may meet the closed socket (EPIPE) before it reads the close.
 */
async function brokerCloses(ctx: FaultContext, inject: () => Promise<void>): Promise<void> {
  const losses = await brokerLosses(ctx.system);
  const closes = await brokerLosses(ctx.system, 'closed_by_broker');
  await inject();
  await proveEach(ctx.evidence, losses);
  const closed = await Promise.all(closes.map(deltaOf));
  ctx.evidence.require(
    closed.some((n) => n > 0),
    "the broker's own close (CONNECTION_FORCED) reached the services",
    Object.fromEntries(closes.map((w, i) => [w.label, closed[i]])),
  );
}

/** The broker stopped, killed, paused, cut off or out of disk: each proven from both services' own counters. */
export const BROKER_SCENARIOS: Scenario[] = [
  {
    name: 'broker restarted cleanly',
    proves: 'a broker restart (stop_app/start_app) closes every connection; both services reconnect and lose nothing',
    fault: (ctx) => brokerCloses(ctx, () => ctx.system.broker.restartClean()),
  },
  {
    name: 'broker killed hard',
    proves: 'SIGKILL of the broker: connections drop, reconnects are refused while it is down, nothing confirmed is lost',
    async fault(ctx) {
      const { system, evidence } = ctx;
      const losses = await brokerLosses(system);
      const refused = await brokerConnectFailures(system);
      evidence.note('killed broker pid', await system.broker.killHard());
      try {
        await proveEach(evidence, refused);
      } finally {
        await system.broker.start();
      }
      await proveEach(evidence, losses);
    },
  },
  {
    name: 'all broker connections closed',
    proves: 'the broker closing every connection (close_all_connections) is survived by reconnecting',
    fault: (ctx) => brokerCloses(ctx, () => ctx.system.broker.closeAllConnections()),
  },
  {
    name: 'broker paused past the heartbeat',
    proves: 'a broker that stops answering (SIGSTOP) is detected by the heartbeat and survived',
    workloadMs: 9000,
    async fault(ctx) {
      const { system, evidence } = ctx;
      const timeouts = await brokerLosses(system, 'heartbeat_timeout');
      evidence.note('paused broker pid', await system.broker.pause());
      try {
        await proveEach(evidence, timeouts);
      } finally {
        await system.broker.resume();
      }
    },
  },
  {
    name: 'client-to-broker blackhole',
    proves: 'a network that silently drops all broker traffic is detected by the heartbeat; unconfirmed rows stay and go out later',
    workloadMs: 8000,
    async fault(ctx) {
      const { system, evidence } = ctx;
      const timeouts = await brokerLosses(system, 'heartbeat_timeout');
      const links = [system.proxies.mainBroker, system.proxies.adminBroker];
      const swallowed = links.map((p) => p.stats().swallowedBytes);
      for (const link of links) link.setMode('blackhole');
      await proveEach(evidence, timeouts);
      links.forEach((link, i) =>
        evidence.require(
          link.stats().swallowedBytes > swallowed[i]!,
          `broker link ${i} swallowed traffic`,
          link.stats().swallowedBytes - swallowed[i]!,
        ),
      );
      for (const link of links) link.cutAll();
    },
  },
  {
    name: 'broker connection flapping',
    proves: 'broker connections cut again and again, every half second, lose nothing',
    workloadMs: 5000,
    async fault(ctx) {
      const { system, evidence } = ctx;
      const losses = await brokerLosses(system, 'connection_lost');
      let cut = 0;
      for (let i = 0; i < 6; i++) {
        cut += system.proxies.mainBroker.cutAll() + system.proxies.adminBroker.cutAll();
        await sleep(500);
      }
      evidence.require(cut >= 4, 'the proxies cut broker connections', cut);
      await proveEach(evidence, losses);
    },
  },
  {
    name: 'disk alarm blocks publishers',
    proves: "the broker's disk alarm blocks both publishers; likes and changes are still accepted and go out after it clears",
    workloadMs: 6000,
    async fault({ system, workload, evidence }) {
      const blocked = await Promise.all(
        [system.main, system.admin].map(async (s) => ({
          label: `${s.name} publisher blocked by the broker`,
          counters: [await ServiceCounter.read(s, METRICS.brokerBlocked, { connection: 'publisher' })],
        })),
      );
      await system.broker.diskAlarm(true);
      try {
        // The workload's admin worker may delete a product meanwhile (404): try the next live one.
        let during;
        for (const product of workload.liveProducts().slice(0, 3)) {
          during = await workload.like(product, `alarm-${Date.now()}`, 'alarm-driver');
          if (during.http !== 404) break;
        }
        evidence.require(during?.status === 'ok', 'a like during the disk alarm was accepted', during?.http);
        await proveEach(evidence, blocked);
      } finally {
        await system.broker.diskAlarm(false);
      }
    },
  },
];
