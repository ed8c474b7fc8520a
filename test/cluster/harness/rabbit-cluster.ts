import { randomBytes, randomInt } from 'node:crypto';
import { eventually } from '@catalogue/shared/testing';
import { LoopbackPartition } from './partition';
import { stablePort } from './ports';
import { managementAuth, RabbitNode, StartFailed } from './rabbit-node';

export interface QueueState {
  name: string;
  leader?: string;
  members: string[];
  online: string[];
  /** Ready plus unacknowledged, as the management statistics last saw them (about a second old). */
  messages: number;
  unacknowledged: number;
  redelivered: number;
}

interface NodeInfo {
  name: string;
  running: boolean;
  partitions?: string[];
}

interface ChannelInfo {
  connection_details?: { name?: string };
  messages_unacknowledged?: number;
}

interface ConnectionInfo {
  name: string;
  client_properties?: { connection_name?: string };
}

async function nodePorts(): Promise<{ amqpPort: number; distPort: number; managementPort: number }> {
  return { amqpPort: await stablePort(), distPort: await stablePort(), managementPort: await stablePort() };
}

/** Starts a node; one that dies while booting (a port taken meanwhile) gets new ports and one more try. */
async function startOnFreePorts(node: RabbitNode): Promise<void> {
  try {
    await node.start();
  } catch (err) {
    if (!(err instanceof StartFailed)) throw err;
    console.log(`${err.message}\n(starting it again on other ports)`);
    await node.killHard();
    await node.movePorts(await nodePorts());
    await node.start();
  }
}

/**
 * A three-node RabbitMQ cluster of the test's own (node names `cat<n>-<run>@localhost`, its own
 * ports, folders and cookie), formed at first boot, with the management API on every node. Read
 * through whichever node answers, so it keeps working while one node is down or cut off.
 */
export class RabbitCluster {
  readonly nodes: RabbitNode[] = [];
  readonly partition = new LoopbackPartition();

  static async create(): Promise<RabbitCluster> {
    const cluster = new RabbitCluster();
    try {
      await cluster.setUp();
    } catch (err) {
      await cluster.destroy();
      throw err;
    }
    return cluster;
  }

  private async setUp(): Promise<void> {
    const run = randomBytes(3).toString('hex');
    const names = [1, 2, 3].map((n) => `cat${n}-${run}@localhost`);
    // A 127.a.b.0/24 of this run's own for the nodes' outgoing distribution connections.
    const [a, b] = [randomInt(1, 255), randomInt(1, 255)];
    const cookie = randomBytes(16).toString('hex');
    for (const [i, name] of names.entries()) {
      const spec = { name, ...(await nodePorts()), distSourceIp: `127.${a}.${b}.${i + 1}` };
      this.nodes.push(new RabbitNode(spec, { peers: names, cookie }));
    }
    await Promise.all(this.nodes.map((node) => node.prepare()));
    // The first node forms the cluster; the others find it running and join it as they boot.
    await startOnFreePorts(this.nodes[0]!);
    await Promise.all(this.nodes.slice(1).map((node) => startOnFreePorts(node)));
    await eventually(async () => (await this.runningNodes()).length === 3, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'three running nodes in one cluster',
    });
  }

  node(name: string): RabbitNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name} in this cluster`);
    return node;
  }

  /** GET on the management API of the first node that answers (a down or paused node is skipped). */
  async api<T>(path: string): Promise<T> {
    const errors: string[] = [];
    for (const node of this.nodes) {
      if (!node.running()) continue;
      try {
        const res = await fetch(`${node.managementUrl}/api${path}`, { headers: managementAuth, signal: AbortSignal.timeout(4000) });
        if (res.ok) return (await res.json()) as T;
        errors.push(`${node.name}: ${res.status}`);
      } catch (err) {
        errors.push(`${node.name}: ${(err as Error).message}`);
      }
    }
    throw new Error(`no management API answered ${path}: ${errors.join('; ')}`);
  }

  async runningNodes(): Promise<string[]> {
    const nodes = await this.api<NodeInfo[]>('/nodes');
    return nodes.filter((n) => n.running && (n.partitions ?? []).length === 0).map((n) => n.name);
  }

  async queue(name: string): Promise<QueueState> {
    const q = await this.api<{
      name: string;
      leader?: string;
      members?: string[];
      online?: string[];
      messages?: number;
      messages_unacknowledged?: number;
      message_stats?: { redeliver?: number };
    }>(`/queues/%2F/${encodeURIComponent(name)}`);
    return {
      name: q.name,
      leader: q.leader,
      members: q.members ?? [],
      online: q.online ?? [],
      messages: q.messages ?? 0,
      unacknowledged: q.messages_unacknowledged ?? 0,
      redelivered: q.message_stats?.redeliver ?? 0,
    };
  }

  /** Unacknowledged deliveries per client connection name (which names the process: see Broker). */
  async unackedByConnection(): Promise<Map<string, number>> {
    const [channels, connections] = await Promise.all([
      this.api<ChannelInfo[]>('/channels?columns=connection_details,messages_unacknowledged'),
      this.api<ConnectionInfo[]>('/connections?columns=name,client_properties'),
    ]);
    const clientName = new Map(connections.map((c) => [c.name, c.client_properties?.connection_name ?? c.name]));
    const unacked = new Map<string, number>();
    for (const channel of channels) {
      const name = clientName.get(channel.connection_details?.name ?? '');
      if (name) unacked.set(name, (unacked.get(name) ?? 0) + (channel.messages_unacknowledged ?? 0));
    }
    return unacked;
  }

  /** Every node running and clustered, and each queue with all three members online. */
  async whole(queues: string[]): Promise<boolean> {
    if (!this.nodes.every((n) => n.running())) return false;
    if ((await this.runningNodes()).length !== 3) return false;
    for (const name of queues) {
      const q = await this.queue(name);
      if (!q.leader || q.online.length !== 3) return false;
    }
    return true;
  }

  async cutOff(node: RabbitNode): Promise<void> {
    await this.partition.cutOff(
      node.spec,
      this.nodes.filter((n) => n !== node).map((n) => n.spec),
    );
  }

  async heal(): Promise<void> {
    await this.partition.heal();
  }

  async destroy(): Promise<void> {
    await this.partition.heal().catch(() => undefined);
    await Promise.allSettled(this.nodes.map((node) => node.destroy()));
  }
}
