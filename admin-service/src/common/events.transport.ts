import { BaseRpcContext, Server, type CustomTransportStrategy } from '@nestjs/microservices';
import {
  Broker,
  EventConsumer,
  SUBSCRIPTIONS,
  type CatalogueEvent,
  type BatchEventHandler,
  type CrashHook,
  type EventHandler,
  type EventType,
  type Logger,
  type MessagingObserver,
  type MessagingSettings,
  type Topology,
} from '@catalogue/shared';
import { lastValueFrom } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The pattern of a handler that takes several events of one type at once (`@Payload()` is then an
 * array); it must have the same effect as the one-event handler applied to each.
 */
export const batchOf = (type: EventType): string => `${type}[]`;

/** What an @EventPattern handler receives next to the event(s): the transaction its effect joins. */
export class EventsContext extends BaseRpcContext<[EntityManager, CatalogueEvent | CatalogueEvent[]]> {
  getEntityManager(): EntityManager {
    return this.args[0];
  }
}

export interface EventsTransportOptions {
  settings: MessagingSettings;
  topology: Topology;
  dataSource: DataSource;
  logger: Logger;
  observer?: MessagingObserver;
  crash?: CrashHook;
}

/**
 * Delivers admin's queue to @EventPattern handlers through the shared EventConsumer, which keeps
 * what Nest's stock RMQ transport lacks: validation, ack after commit, inbox idempotency,
 * dead-lettering with a reason, and draining on shutdown. It owns the consumer's connection.
 */
export class EventsTransport extends Server implements CustomTransportStrategy {
  private broker: Broker | undefined;
  private consumer: EventConsumer | undefined;

  constructor(private readonly options: EventsTransportOptions) {
    super();
  }

  async listen(callback: (err?: unknown) => void): Promise<void> {
    try {
      const { settings, logger } = this.options;
      this.broker = new Broker({
        url: settings.brokerUrl,
        connectionName: 'admin-service consumer',
        heartbeatSeconds: settings.heartbeatSeconds,
        logger,
        role: 'consumer',
        observer: this.options.observer,
      });
      this.consumer = new EventConsumer({
        consumer: 'admin',
        broker: this.broker,
        topology: this.options.topology,
        dataSource: this.options.dataSource,
        handlers: this.nestHandlers(),
        batchHandlers: this.nestBatchHandlers(),
        logger,
        prefetch: settings.prefetch,
        deliveryLimit: settings.deliveryLimit,
        declareTopology: settings.declareTopology,
        confirmTimeoutMs: settings.confirmTimeoutMs,
        observer: this.options.observer,
        crash: this.options.crash,
      });
      await this.consumer.start();
      callback();
    } catch (err) {
      callback(err);
    }
  }

  /** Stops taking deliveries and lets in-flight ones commit and ack before the connection closes. */
  async close(timeoutMs = 10_000): Promise<void> {
    await this.consumer?.stop(timeoutMs);
    await this.broker?.close();
    this.consumer = undefined;
    this.broker = undefined;
  }

  isConnected(): boolean {
    return this.broker?.isConnected() ?? false;
  }

  on(): never {
    throw new Error('EventsTransport has no events to listen to');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  /** One consumer handler per event admin's queue receives that has an @EventPattern handler. */
  private nestHandlers(): Partial<Record<EventType, EventHandler>> {
    const handlers: Partial<Record<EventType, EventHandler>> = {};
    for (const pattern of SUBSCRIPTIONS.admin.events) {
      const handler = this.getHandlerByPattern(pattern);
      if (!handler) continue;
      handlers[pattern] = async (event, tx) => {
        const result: unknown = await handler(event, new EventsContext([tx, event]));
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      };
    }
    return handlers;
  }

  private nestBatchHandlers(): Partial<Record<EventType, BatchEventHandler>> {
    const handlers: Partial<Record<EventType, BatchEventHandler>> = {};
    for (const pattern of SUBSCRIPTIONS.admin.events) {
      const handler = this.getHandlerByPattern(batchOf(pattern));
      if (!handler) continue;
      handlers[pattern] = async (events, tx) => {
        const result: unknown = await handler(events, new EventsContext([tx, events]));
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      };
    }
    return handlers;
  }
}
