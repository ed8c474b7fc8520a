import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '@catalogue/shared/testing';
import { guardAgainstOrphans, killIfStill, portOpen } from '../../faults/harness/servers';

const run = promisify(execFile);

export interface RabbitNodeSpec {
  /** Erlang node name, e.g. `cat1-3fa9c2@localhost`. */
  name: string;
  amqpPort: number;
  distPort: number;
  managementPort: number;
  /**
   * The loopback address this node's outgoing distribution connections come from (127.x.y.z), so
   * a partition can tell its traffic from its peers' (see partition.ts). Peers reach it on 127.0.0.1.
   */
  distSourceIp: string;
}

export interface ClusterSettings {
  /** Every node of the cluster, this one included: peer discovery joins them at first boot. */
  peers: string[];
  /** One Erlang cookie for the whole cluster (and its CLI calls), not the machine's own. */
  cookie: string;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One RabbitMQ node of a private cluster: its own name, ports, data, logs and config files, and
 * the cluster's Erlang cookie. Debian's server drops to the `rabbitmq` user, so its folders are
 * handed to that user; the machine's /etc/rabbitmq/rabbitmq.conf pins port 5672, so each node
 * has its own config file with its own listener.
 */
export class RabbitNode {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'cluster-rmq-'));

  constructor(
    readonly spec: RabbitNodeSpec,
    private readonly cluster: ClusterSettings,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get managementUrl(): string {
    return `http://127.0.0.1:${this.spec.managementPort}`;
  }

  async prepare(): Promise<void> {
    mkdirSync(`${this.dir}/mnesia`);
    mkdirSync(`${this.dir}/log`);
    this.writeConfig();
    await run('chown', ['-R', 'rabbitmq:rabbitmq', this.dir]);
    guardAgainstOrphans(`${killIfStill(`$(cat ${this.dir}/pid 2>/dev/null)`, this.name)}; rm -rf ${this.dir}`);
  }

  /** New ports, for a node that could not start on its first ones (before anything points at them). */
  async movePorts(ports: Pick<RabbitNodeSpec, 'amqpPort' | 'distPort' | 'managementPort'>): Promise<void> {
    Object.assign(this.spec, ports);
    this.writeConfig();
    await run('chown', ['-R', 'rabbitmq:rabbitmq', this.dir]);
  }

  private writeConfig(): void {
    writeFileSync(`${this.dir}/enabled_plugins`, '[rabbitmq_management].\n');
    const peers = this.cluster.peers.map((peer, i) => `cluster_formation.classic_config.nodes.${i + 1} = ${peer}`);
    writeFileSync(
      `${this.dir}/rabbitmq.conf`,
      [
        `listeners.tcp.local = 127.0.0.1:${this.spec.amqpPort}`,
        // guest reaches the nodes through HAProxy on loopback; nothing here is reachable from outside.
        'loopback_users = none',
        `management.tcp.ip = 127.0.0.1`,
        `management.tcp.port = ${this.spec.managementPort}`,
        // Queue figures (unacknowledged deliveries per channel) at most a second old.
        'collect_statistics_interval = 1000',
        // As deploy/k8s/rabbitmq: a node cut off from the majority stops serving (and closes its
        // clients' connections, so they reconnect to the majority) instead of diverging.
        'cluster_partition_handling = pause_minority',
        // The nodes join each other at first boot (as the Kubernetes operator's peer discovery does):
        // joining later with stop_app/join_cluster/start_app races the management listener's restart.
        'cluster_formation.peer_discovery_backend = classic_config',
        ...peers,
        '',
      ].join('\n'),
    );
    const ip = this.spec.distSourceIp.split('.').join(',');
    // A net tick of 10 s (default 60 s): a cut-off node notices within ~10-15 s, not a minute.
    writeFileSync(`${this.dir}/advanced.config`, `[{kernel, [{net_ticktime, 10}, {inet_dist_connect_options, [{ip, {${ip}}}]}]}].\n`);
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      RABBITMQ_NODENAME: this.name,
      RABBITMQ_DIST_PORT: String(this.spec.distPort),
      RABBITMQ_CONFIG_FILE: `${this.dir}/rabbitmq`,
      RABBITMQ_ADVANCED_CONFIG_FILE: `${this.dir}/advanced.config`,
      RABBITMQ_MNESIA_BASE: `${this.dir}/mnesia`,
      RABBITMQ_LOG_BASE: `${this.dir}/log`,
      RABBITMQ_ENABLED_PLUGINS_FILE: `${this.dir}/enabled_plugins`,
      RABBITMQ_PID_FILE: `${this.dir}/pid`,
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `-setcookie ${this.cluster.cookie}`,
    };
  }

  pid(): number | undefined {
    try {
      const pid = Number(readFileSync(`${this.dir}/pid`, 'utf8').trim());
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  running(): boolean {
    const pid = this.pid();
    return pid !== undefined && pidAlive(pid);
  }

  /**
   * Boots the node (it joins its peers by itself) and waits until AMQP and the management API
   * answer. It runs in the foreground of a detached shell whose output goes to startup.log, so a
   * node that dies while booting (a port taken, say) fails this at once with its reason.
   */
  async start(timeoutMs = 180_000): Promise<void> {
    const output = openSync(`${this.dir}/startup.log`, 'a');
    const child = spawn('rabbitmq-server', [], { env: this.env(), detached: true, stdio: ['ignore', output, output] });
    closeSync(output);
    child.unref();
    let exited = false;
    child.once('exit', () => (exited = true));
    const deadline = Date.now() + timeoutMs;
    while (!((await portOpen(this.spec.amqpPort)) && (await this.managementAnswers()))) {
      if (exited) throw new StartFailed(`RabbitMQ ${this.name} exited while starting:\n${this.startupLog()}`);
      if (Date.now() > deadline)
        throw new Error(
          `RabbitMQ ${this.name} did not answer on ${this.spec.amqpPort} within ${timeoutMs} ms\nstartup:\n${this.startupLog()}\nlog:\n${this.logTail()}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private startupLog(lines = 20): string {
    try {
      return readFileSync(`${this.dir}/startup.log`, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no output)';
    }
  }

  async managementAnswers(): Promise<boolean> {
    try {
      const res = await fetch(`${this.managementUrl}/api/overview`, { headers: managementAuth, signal: AbortSignal.timeout(3000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  /** `kill -9` of the Erlang VM (beam.smp): no goodbye to its peers, no flush. */
  async killHard(): Promise<void> {
    const pid = this.pid();
    if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
    await eventually(async () => !(pid && pidAlive(pid)) && !(await portOpen(this.spec.amqpPort)), {
      timeoutMs: 30_000,
      what: `RabbitMQ ${this.name} to die`,
    });
  }

  async ctl(...args: string[]): Promise<string> {
    const { stdout } = await run('rabbitmqctl', ['--erlang-cookie', this.cluster.cookie, '-n', this.name, '-q', ...args], {
      env: this.env(),
      timeout: 60_000,
    });
    return stdout;
  }

  logTail(lines = 15): string {
    try {
      return readFileSync(`${this.dir}/log/${this.name}.log`, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log yet)';
    }
  }

  async destroy(): Promise<void> {
    await this.killHard().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A node that exited while booting: its ports or folders are the likely cause, not a slow machine. */
export class StartFailed extends Error {}

export const managementAuth = { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` };
