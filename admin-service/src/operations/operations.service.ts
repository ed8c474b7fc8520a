import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { checkHealth, readinessRequires, ServiceMessaging } from '@catalogue/shared';
import { DataSource } from 'typeorm';
import { ADMIN_CONFIG, BROKER_STATUS, Lifecycle, type BrokerStatus } from '../common/tokens';
import type { AdminConfig } from '../config';

export interface ServiceHealth {
  service: string;
  status: 'ok' | 'unavailable' | 'unreachable';
  checks?: Record<string, string>;
}

export interface OutboxBacklog {
  service: string;
  pending: number | null;
  oldestAt: string | null;
  note?: string;
}

export interface DeadLetterQueue {
  service: string;
  queue: string;
  messages: number | null;
  note?: string;
}

export interface OperationsReport {
  checkedAt: string;
  services: ServiceHealth[];
  outbox: OutboxBacklog[];
  deadLetters: DeadLetterQueue[];
  replay: { available: boolean; note: string };
}

const QUEUE_CHECK_TIMEOUT_MS = 2000;

/** One look at the whole system for the console's operations page; read-only. */
@Injectable()
export class OperationsService implements OnModuleDestroy {
  private channel: ReturnType<ServiceMessaging['broker']['createChannel']> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: ServiceMessaging,
    private readonly lifecycle: Lifecycle,
    @Inject(BROKER_STATUS) private readonly broker: BrokerStatus,
    @Inject(ADMIN_CONFIG) private readonly config: AdminConfig,
  ) {}

  /** `authorization` is the staff member's own bearer header, shown to main for its part. */
  async report(authorization: string | undefined): Promise<OperationsReport> {
    const topology = this.messaging.topology;
    const [admin, mainHealth, mainOutbox, adminOutbox, mainDead, adminDead] = await Promise.all([
      checkHealth({
        dataSource: this.dataSource,
        broker: this.broker,
        required: readinessRequires('api'),
        isDraining: () => this.lifecycle.draining,
      }),
      this.mainHealth(),
      this.mainOutbox(authorization),
      this.adminOutbox(),
      this.queueDepth('main-service', topology.mainDeadLetterQueue),
      this.queueDepth('admin-service', topology.adminDeadLetterQueue),
    ]);
    return {
      checkedAt: new Date().toISOString(),
      services: [{ service: 'admin-service', status: admin.status, checks: admin.checks }, mainHealth],
      outbox: [adminOutbox, mainOutbox],
      deadLetters: [mainDead, adminDead],
      // Listing and replaying need to read the dead-letter queues, which the services' least-privilege
      // broker users may not: the console does it only with a broker user of its own (OPS_RABBITMQ_URL).
      replay: this.config.OPS_RABBITMQ_URL
        ? { available: true, note: 'Replay republishes a dead letter to its original exchange, then removes it.' }
        : { available: false, note: 'Replay is not configured: set OPS_RABBITMQ_URL on admin-service, or use `npm run dead-letters`.' },
    };
  }

  private async mainHealth(): Promise<ServiceHealth> {
    const service = 'main-service';
    const body = await this.askMain('/api/health');
    if (!isRecord(body) || (body.status !== 'ok' && body.status !== 'unavailable')) return { service, status: 'unreachable' };
    return { service, status: body.status, ...(isRecord(body.checks) ? { checks: body.checks as Record<string, string> } : {}) };
  }

  private async mainOutbox(authorization: string | undefined): Promise<OutboxBacklog> {
    const body = await this.askMain('/api/operations', authorization);
    const backlog = isRecord(body) ? backlogFrom('main-service', body.outbox) : undefined;
    if (backlog) return backlog;
    const note = isRecord(body) && body.outbox === null ? 'the relay runs in another process' : 'main-service did not answer';
    return { service: 'main-service', pending: null, oldestAt: null, note };
  }

  /** Main's JSON answer to a GET, whatever its status, or undefined when it did not answer with JSON. */
  private async askMain(path: string, authorization?: string): Promise<unknown> {
    try {
      const response = await fetch(new URL(path, this.config.MAIN_URL), {
        signal: AbortSignal.timeout(this.config.MAIN_TIMEOUT_MS),
        headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) },
        redirect: 'error',
      });
      return await response.json();
    } catch {
      return undefined;
    }
  }

  private async adminOutbox(): Promise<OutboxBacklog> {
    const service = 'admin-service';
    if (!this.messaging.relay) return { service, pending: null, oldestAt: null, note: 'the relay runs in another process' };
    try {
      return backlogFrom(service, await this.messaging.relay.backlog())!;
    } catch {
      return { service, pending: null, oldestAt: null, note: 'the database did not answer' };
    }
  }

  private async queueDepth(service: string, queue: string): Promise<DeadLetterQueue> {
    try {
      const channel = (this.channel ??= this.messaging.broker.createChannel('operations', () => Promise.resolve()));
      // The wrapper refuses calls until its channel is open, so wait for that within the same deadline.
      const checked = await withTimeout(
        channel.waitForConnect().then(() => channel.checkQueue(queue)),
        QUEUE_CHECK_TIMEOUT_MS,
      );
      return { service, queue, messages: checked.messageCount };
    } catch {
      return { service, queue, messages: null, note: 'the broker did not answer' };
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.channel?.close().catch(() => undefined);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The relay's backlog ({rows, oldestAgeSeconds}) as the page shows it. */
function backlogFrom(service: string, value: unknown): OutboxBacklog | undefined {
  if (!isRecord(value) || typeof value.rows !== 'number' || typeof value.oldestAgeSeconds !== 'number') return undefined;
  const oldestAt = value.rows > 0 ? new Date(Date.now() - value.oldestAgeSeconds * 1000).toISOString() : null;
  return { service, pending: value.rows, oldestAt };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error('the broker call failed', { cause: err }));
      },
    );
  });
}
