import type { Server } from 'node:http';
import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { endKeepAliveWhileClosing, ServiceMessaging, type Logger } from '@catalogue/shared';
import { DataSource } from 'typeorm';
import { EventsTransport } from './events.transport';
import { ADMIN_CONFIG, LOGGER, Lifecycle } from './tokens';

export const EVENTS_TRANSPORT = Symbol('EVENTS_TRANSPORT');
export const AFTER_SHUTDOWN = Symbol('AFTER_SHUTDOWN');

/**
 * Starts the relay with the application and stops everything in order on `app.close()`: readiness
 * turns 503 (and an API keeps serving for SHUTDOWN_DRAIN_MS, while load balancers take it out),
 * the consumer stops taking deliveries and lets in-flight ones commit and ack, the relay finishes
 * its batch; Nest then closes HTTP (in-flight requests finish, each keep-alive connection ends with
 * its answer), and the database goes last.
 */
@Injectable()
export class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly messaging: ServiceMessaging,
    private readonly dataSource: DataSource,
    private readonly lifecycle: Lifecycle,
    @Inject(EVENTS_TRANSPORT) private readonly transport: EventsTransport | null,
    @Inject(ADMIN_CONFIG) private readonly config: { SHUTDOWN_TIMEOUT_MS: number; SHUTDOWN_DRAIN_MS: number; RUN_HTTP: boolean },
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(AFTER_SHUTDOWN) private readonly afterShutdown: (() => Promise<void>) | null,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging.start();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.lifecycle.draining = true;
    const drainMs = this.config.RUN_HTTP ? this.config.SHUTDOWN_DRAIN_MS : 0;
    this.logger.info({ signal, drainMs }, 'shutting down: draining deliveries, the outbox and requests');
    if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
    const budget = Math.floor((this.config.SHUTDOWN_TIMEOUT_MS - drainMs) / 2);
    await this.transport?.close(budget);
    await this.messaging.stop(budget);
    // Nest closes the server next. Its keep-alive connections (kept 65 s idle: SERVER_TIMEOUTS)
    // must end with their answers, or close() waits for them past the deadline.
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (this.config.RUN_HTTP && server) endKeepAliveWhileClosing(server);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    this.logger.info('stopped cleanly');
    await this.afterShutdown?.();
  }
}
