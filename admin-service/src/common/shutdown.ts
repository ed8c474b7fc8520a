import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ServiceMessaging, type Logger } from '@catalogue/shared';
import { DataSource } from 'typeorm';
import { EventsTransport } from './events.transport';
import { ADMIN_CONFIG, LOGGER, Lifecycle } from './tokens';

export const EVENTS_TRANSPORT = Symbol('EVENTS_TRANSPORT');
export const AFTER_SHUTDOWN = Symbol('AFTER_SHUTDOWN');

/**
 * Starts the relay with the application and stops everything in order on `app.close()`: readiness
 * turns 503, the consumer stops taking deliveries and lets in-flight ones commit and ack, the relay
 * finishes its batch; Nest then closes HTTP (in-flight requests finish), and the database goes last.
 */
@Injectable()
export class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly messaging: ServiceMessaging,
    private readonly dataSource: DataSource,
    private readonly lifecycle: Lifecycle,
    @Inject(EVENTS_TRANSPORT) private readonly transport: EventsTransport | null,
    @Inject(ADMIN_CONFIG) private readonly config: { SHUTDOWN_TIMEOUT_MS: number },
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(AFTER_SHUTDOWN) private readonly afterShutdown: (() => Promise<void>) | null,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.messaging.start();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.lifecycle.draining = true;
    this.logger.info({ signal }, 'shutting down: draining deliveries, the outbox and requests');
    const budget = Math.floor(this.config.SHUTDOWN_TIMEOUT_MS / 2);
    await this.transport?.close(budget);
    await this.messaging.stop(budget);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    this.logger.info('stopped cleanly');
    await this.afterShutdown?.();
  }
}
