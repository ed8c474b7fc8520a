import { hostname } from 'node:os';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { redactUrl } from '../config/env';
import type { Logger } from '../logging/logger';
import type { BrokerLossReason, MessagingObserver } from './observer';

export interface BrokerOptions {
  url: string;
  connectionName: string;
  heartbeatSeconds: number;
  logger: Logger;
  /** The connection's role in reports (`publisher`, `consumer`). */
  role?: string;
  /** Told when the connection is lost, fails to connect or is blocked (metrics, fault tests). */
  observer?: MessagingObserver;
}

/** Classifies amqplib's close error: a missed heartbeat, a close the broker sent, or a dropped socket. */
export function brokerLossReason(err: unknown): BrokerLossReason {
  const e = (err ?? {}) as { message?: unknown; code?: unknown };
  if (typeof e.message === 'string' && e.message.includes('Heartbeat timeout')) return 'heartbeat_timeout';
  // 320 CONNECTION_FORCED: the broker closed it (an operator, a node stopping its applications).
  if (e.code === 320 || (typeof e.message === 'string' && e.message.startsWith('Connection closed:'))) return 'closed_by_broker';
  return 'connection_lost';
}

/**
 * One managed AMQP connection per process. amqp-connection-manager reconnects and re-runs each
 * channel's setup; its in-memory buffering is not durability (the outbox is), so publishers always
 * pass a confirm timeout.
 */
export class Broker {
  readonly connection: AmqpConnectionManager;
  private connected = false;
  private blocked = false;
  private failuresLogged = 0;

  constructor(private readonly options: BrokerOptions) {
    this.connection = amqp.connect([options.url], {
      heartbeatIntervalInSeconds: options.heartbeatSeconds,
      reconnectTimeInSeconds: 1,
      connectionOptions: {
        noDelay: true,
        timeout: 5000,
        // Host and pid too: the management UI (and the cluster tests) then tell which pod or
        // process holds a connection and its unacknowledged deliveries.
        clientProperties: { connection_name: `${options.connectionName} (${hostname()} pid ${process.pid})` },
      },
    });
    const log = options.logger;
    const connection = options.role ?? 'connection';
    this.connection.on('connect', () => {
      this.connected = true;
      this.failuresLogged = 0;
      log.info({ broker: redactUrl(options.url) }, 'connected to RabbitMQ');
    });
    this.connection.on('disconnect', ({ err }) => {
      this.connected = false;
      const reason = brokerLossReason(err);
      options.observer?.broker?.({ connection, event: 'lost', reason });
      log.warn({ err: err?.message, reason }, 'disconnected from RabbitMQ; reconnecting');
    });
    this.connection.on('connectFailed', ({ err }) => {
      this.connected = false;
      options.observer?.broker?.({ connection, event: 'connect_failed' });
      // Logged with backoff so an outage is visible without flooding the log.
      this.failuresLogged++;
      if ((this.failuresLogged & (this.failuresLogged - 1)) === 0) {
        log.warn({ err: err?.message, broker: redactUrl(options.url), attempts: this.failuresLogged }, 'RabbitMQ unreachable; retrying');
      }
    });
    this.connection.on('blocked', ({ reason }) => {
      this.blocked = true;
      options.observer?.broker?.({ connection, event: 'blocked' });
      log.warn({ reason }, 'RabbitMQ blocked this connection (resource alarm); publishing waits');
    });
    this.connection.on('unblocked', () => {
      this.blocked = false;
      log.info('RabbitMQ unblocked this connection');
    });
  }

  isConnected(): boolean {
    return this.connected && this.connection.isConnected();
  }

  isBlocked(): boolean {
    return this.blocked;
  }

  onConnect(listener: () => void): void {
    this.connection.on('connect', listener);
  }

  /** A confirm channel whose setup runs on every (re)connection. */
  createChannel(name: string, setup: (channel: ConfirmChannel) => Promise<void>, publishTimeoutMs?: number): ChannelWrapper {
    const channel = this.connection.createChannel({ name, json: false, confirm: true, setup, publishTimeout: publishTimeoutMs });
    channel.on('error', (err: Error) => {
      this.options.logger.warn({ err: err.message, channel: name }, 'AMQP channel error');
    });
    return channel;
  }

  /**
   * Closes the connection, but never waits longer than `timeoutMs`: a broker that went silent
   * (paused, black-holed) never answers the close handshake, and shutdown must still finish.
   */
  async close(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([this.connection.close().then(() => 'closed' as const), gaveUp]);
      if (outcome === 'timeout')
        this.options.logger.warn({ timeoutMs }, 'RabbitMQ did not answer the close in time; leaving the connection');
    } finally {
      clearTimeout(timer);
    }
  }
}
