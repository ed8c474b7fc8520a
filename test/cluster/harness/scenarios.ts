import { eventually } from '@catalogue/shared/testing';
import type { Workload } from '../../faults/harness/workload';
import type { ClusterSystem } from './cluster-system';
import type { Member } from './fleet';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What a fault reports: when its healing began (recovery is timed from there) and what it saw. */
export interface FaultOutcome {
  healedAt: number;
  notes: string[];
}

export interface ClusterScenario {
  name: string;
  /** Whether every request through the load balancer must be answered (asserted), or is only reported. */
  fullAvailability: boolean;
  inject(system: ClusterSystem, workload: Workload): Promise<FaultOutcome>;
}

/** Waits until `count` more likes were accepted: the system kept working for a while in its degraded state. */
async function whileLikesAccepted(workload: Workload, count: number): Promise<void> {
  const okLikes = () => workload.okCounts().likes;
  const target = okLikes() + count;
  await eventually(async () => okLikes() >= target, { timeoutMs: 120_000, intervalMs: 100, what: `${count} more likes accepted` });
}

const shortName = (node: string | undefined) => node?.split('@')[0] ?? '?';

const leaderKilled: ClusterScenario = {
  name: 'node leading a queue killed (kill -9), then restarted',
  fullAvailability: true,
  async inject(system, workload) {
    const queue = system.topology.adminQueue;
    const before = await system.rabbit.queue(queue);
    const node = system.rabbit.node(before.leader!);
    const killedAt = Date.now();
    await node.killHard();
    const after = await eventually(
      async () => {
        const q = await system.rabbit.queue(queue);
        return q.leader && q.leader !== node.name ? q : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `a new leader for ${queue}` },
    );
    const electedAfter = Date.now() - killedAt;
    await whileLikesAccepted(workload, 150);
    const healedAt = Date.now();
    await node.start();
    return {
      healedAt,
      notes: [
        `${shortName(node.name)} led "${queue}"; ${shortName(after.leader)} took over within ${seconds(electedAfter)}; node down ${seconds(healedAt - killedAt)}`,
      ],
    };
  },
};

const nodeCutOff: ClusterScenario = {
  name: 'broker node cut off from its peers, then healed',
  fullAvailability: true,
  async inject(system, workload) {
    const queue = system.topology.mainQueue;
    const node = system.rabbit.node((await system.rabbit.queue(queue)).leader!);
    const cutAt = Date.now();
    await system.rabbit.cutOff(node);
    try {
      // pause_minority: the majority declares it gone; it pauses itself and drops its clients.
      await eventually(async () => !(await system.rabbit.runningNodes()).includes(node.name), {
        timeoutMs: 90_000,
        intervalMs: 250,
        what: `the majority to see ${node.name} gone`,
      });
      const detectedAfter = Date.now() - cutAt;
      await eventually(async () => !(await node.managementAnswers()), {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: `${node.name} to pause`,
      });
      await whileLikesAccepted(workload, 150);
      const healedAt = Date.now();
      await system.rabbit.heal();
      return {
        healedAt,
        notes: [
          `${shortName(node.name)} led "${queue}"; the majority saw it gone after ${seconds(detectedAfter)}; cut off ${seconds(healedAt - cutAt)}`,
        ],
      };
    } finally {
      await system.rabbit.heal();
    }
  },
};

const replicaKilled: ClusterScenario = {
  name: 'API replica killed (SIGKILL), then restarted',
  // In-flight requests on the killed replica get a 502: HAProxy may not replay a POST it already sent.
  fullAvailability: false,
  async inject(system, workload) {
    const victims = [system.fleet.of('main', 'api')[0]!, system.fleet.of('admin', 'api')[0]!];
    const killedAt = Date.now();
    await Promise.all(victims.map((m) => m.process.kill()));
    await eventually(
      async () =>
        !(await system.lb.serverUp(victims[0]!.service, victims[0]!.index)) &&
        !(await system.lb.serverUp(victims[1]!.service, victims[1]!.index)),
      {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'HAProxy to take the killed replicas out',
      },
    );
    const outAfter = Date.now() - killedAt;
    await whileLikesAccepted(workload, 150);
    const healedAt = Date.now();
    await Promise.all(victims.map((m) => m.process.start()));
    return { healedAt, notes: [`${victims.map((m) => m.label).join(' and ')} killed; HAProxy took them out after ${seconds(outAfter)}`] };
  },
};

/** The consumer process of `service` that holds unacknowledged deliveries right now, with how many. */
async function consumerHoldingDeliveries(
  system: ClusterSystem,
  service: 'main' | 'admin',
): Promise<{ member: Member; unacked: number } | undefined> {
  const unacked = await system.rabbit.unackedByConnection();
  for (const member of system.fleet.of(service, 'consumer')) {
    const pid = member.process.pid;
    if (!pid) continue;
    for (const [name, count] of unacked) {
      if (count > 0 && name.startsWith(`${service}-service consumer`) && name.endsWith(`pid ${pid})`)) return { member, unacked: count };
    }
  }
  return undefined;
}

const consumerKilledMidBatch: ClusterScenario = {
  name: 'consumer killed mid-batch (SIGKILL holding deliveries), then restarted',
  fullAvailability: true,
  async inject(system, workload) {
    const queue = system.topology.adminQueue;
    const redeliveredBefore = (await system.rabbit.queue(queue)).redelivered;
    // Hold a product's row lock from outside and like it: admin's consumer that takes those likes
    // waits on the lock inside its batch's transaction, deliveries in hand, until it is killed.
    const hot = workload.liveProducts()[0]!;
    const lock = await system.adminSql.getConnection();
    let holder: { member: Member; unacked: number };
    let killedAt: number;
    try {
      await lock.query('START TRANSACTION');
      await lock.query('SELECT id FROM products WHERE id = ? FOR UPDATE', [hot]);
      await Promise.all(Array.from({ length: 10 }, (_, i) => workload.like(hot, `mid-batch-${Date.now()}-${i}`, 'mid-batch')));
      holder = await eventually(() => consumerHoldingDeliveries(system, 'admin'), {
        timeoutMs: 60_000,
        intervalMs: 100,
        what: 'an admin consumer holding deliveries',
      });
      await holder.member.process.kill();
      killedAt = Date.now();
    } finally {
      await lock.query('ROLLBACK');
      lock.release();
    }
    // The broker hands what it held to the other consumer (its transaction died with it).
    const redelivered = await eventually(
      async () => {
        const q = await system.rabbit.queue(queue);
        return q.redelivered > redeliveredBefore ? q.redelivered - redeliveredBefore : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `the deliveries ${holder.member.label} held to be redelivered` },
    );
    const healedAt = Date.now();
    await holder.member.process.start();
    return {
      healedAt,
      notes: [
        `${holder.member.label} killed in its batch's transaction holding ${holder.unacked} deliveries; ${redelivered} redelivered within ${seconds(healedAt - killedAt)}`,
      ],
    };
  },
};

const rollingRestart: ClusterScenario = {
  name: 'rolling restart of every replica and consumer (SIGTERM, one at a time)',
  fullAvailability: true,
  async inject(system) {
    const started = Date.now();
    for (const member of system.fleet.members) {
      const exit = await member.process.stop(30_000);
      if (exit.code !== 0) throw new Error(`${member.label} exited ${exit.code ?? exit.signal} on SIGTERM:\n${member.process.tail()}`);
      await member.process.start();
      // The next one goes only once this one takes work again, or both replicas could be out.
      if (member.role === 'api')
        await eventually(() => system.lb.serverUp(member.service, member.index), {
          timeoutMs: 60_000,
          intervalMs: 100,
          what: `HAProxy to take ${member.label} back`,
        });
      else await eventually(() => system.ready(member), { timeoutMs: 60_000, intervalMs: 100, what: `${member.label} ready` });
    }
    return {
      healedAt: Date.now(),
      notes: [`${system.fleet.members.length} processes restarted in ${seconds(Date.now() - started)}, each exiting 0`],
    };
  },
};

const redisStopped: ClusterScenario = {
  name: 'Redis stopped, then restarted',
  fullAvailability: true,
  async inject(system, workload) {
    const stoppedAt = Date.now();
    let healedAt: number;
    await system.redis.stop();
    try {
      await whileLikesAccepted(workload, 150);
    } finally {
      healedAt = Date.now();
      await system.redis.start();
    }
    return { healedAt, notes: [`Redis down ${seconds(healedAt - stoppedAt)}`] };
  },
};

export const CLUSTER_SCENARIOS: ClusterScenario[] = [
  leaderKilled,
  nodeCutOff,
  replicaKilled,
  consumerKilledMidBatch,
  rollingRestart,
  redisStopped,
];
