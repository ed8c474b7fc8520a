import { ServiceProcess } from '../../faults/harness/service-process';
import { stablePort } from './ports';

export type ServiceName = 'main' | 'admin';

/** One process of the fleet: an API replica (HAProxy's server `<service><index>`) or a consumer-only process. */
export interface Member {
  label: string;
  service: ServiceName;
  role: 'api' | 'consumer';
  /** From 1, within its service and role. */
  index: number;
  process: ServiceProcess;
}

export interface FleetSettings {
  /** Environment per service, shared by its API replicas and its consumers. */
  env: Record<ServiceName, Record<string, string>>;
  /** Readiness path of an API process and of a consumer's ops server. */
  readinessPath: string;
  /** The API replicas' ports, per service (HAProxy is configured with them before they start; below the ephemeral range, as they restart). */
  apiPorts: Record<ServiceName, number[]>;
  consumers: number;
}

/**
 * The services as Kubernetes runs them (deploy/k8s/base): per service, API replicas without a
 * consumer (RUN_CONSUMER=false, relay on) and consumer-only processes (dist/consumer.js, no API,
 * probes on OPS_PORT), each a real child process started from its compiled entry point.
 */
export class ServiceFleet {
  readonly members: Member[] = [];

  static async create(settings: FleetSettings): Promise<ServiceFleet> {
    const fleet = new ServiceFleet();
    for (const service of ['main', 'admin'] as const) {
      for (const [i, port] of settings.apiPorts[service].entries()) {
        const env = { ...settings.env[service], RUN_CONSUMER: 'false' };
        fleet.members.push({
          label: `${service}-api-${i + 1}`,
          service,
          role: 'api',
          index: i + 1,
          process: new ServiceProcess(service, port, env, { readyPath: settings.readinessPath }),
        });
      }
      for (let i = 1; i <= settings.consumers; i++) {
        const worker = new ServiceProcess(service, await stablePort(), settings.env[service], {
          entry: 'consumer',
          readyPath: settings.readinessPath,
        });
        fleet.members.push({ label: `${service}-consumer-${i}`, service, role: 'consumer', index: i, process: worker });
      }
    }
    return fleet;
  }

  of(service: ServiceName, role: Member['role']): Member[] {
    return this.members.filter((m) => m.service === service && m.role === role);
  }

  /**
   * Admin first (main's resync at first start reads admin's snapshot), consumers before APIs;
   * the processes of one group start together.
   */
  async startAll(): Promise<void> {
    for (const [service, role] of [
      ['admin', 'api'],
      ['admin', 'consumer'],
      ['main', 'consumer'],
      ['main', 'api'],
    ] as const) {
      await Promise.all(
        this.of(service, role)
          .filter((m) => !m.process.running)
          .map((m) => m.process.start()),
      );
    }
  }

  /** Starts again whatever is not running (after a fault that killed something), in the same order. */
  async ensureRunning(): Promise<void> {
    await this.startAll();
  }

  byPid(pid: number): Member | undefined {
    return this.members.find((m) => m.process.pid === pid);
  }

  async killAll(): Promise<void> {
    await Promise.allSettled(this.members.map((m) => m.process.kill()));
  }
}
