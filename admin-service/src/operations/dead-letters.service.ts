import { Inject, Injectable } from '@nestjs/common';
import amqplib from 'amqplib';
import {
  AppError,
  deadLetterQueueOf,
  listDeadLetters,
  queueOf,
  replayDeadLetters,
  replayTargetOf,
  ServiceMessaging,
  type ConsumerName,
  type DeadLetter,
} from '@catalogue/shared';
import { ADMIN_CONFIG } from '../common/tokens';
import type { AdminConfig } from '../config';

export interface DeadLetterView {
  id: string | null;
  type: string | null;
  /** The consumer queue it was dead-lettered from. */
  originQueue: string;
  reason: string;
  deaths: number;
}

export interface DeadLetterQueueView {
  queue: ConsumerName;
  name: string;
  messages: DeadLetterView[];
}

export interface ReplayResult {
  queue: ConsumerName;
  replayed: (string | null)[];
  failed: { id: string | null; error: string }[];
  notFound: string[];
}

export type ReplayChoice = { queue: ConsumerName; ids: string[] } | { queue: ConsumerName; all: true };

const CONSUMERS: ConsumerName[] = ['main', 'admin'];
/** A page shows at most this many per queue; replay walks the same window. */
const MAX_PER_QUEUE = 500;

/**
 * Lists and replays dead letters with the operator's broker user (OPS_RABBITMQ_URL): the service's
 * own least-privilege user may not read the dead-letter queues. A connection per request, since
 * replays are rare and a long-lived privileged connection is one more thing to guard.
 */
@Injectable()
export class DeadLettersService {
  constructor(
    private readonly messaging: ServiceMessaging,
    @Inject(ADMIN_CONFIG) private readonly config: AdminConfig,
  ) {}

  get configured(): boolean {
    return this.config.OPS_RABBITMQ_URL !== undefined;
  }

  async list(): Promise<DeadLetterQueueView[]> {
    return this.withConnection(async (connection) => {
      const views: DeadLetterQueueView[] = [];
      for (const queue of CONSUMERS) {
        const name = deadLetterQueueOf(this.messaging.topology, queue);
        const letters = await listDeadLetters(connection, name, { max: MAX_PER_QUEUE });
        views.push({ queue, name, messages: letters.map((letter) => this.view(queue, letter)) });
      }
      return views;
    });
  }

  async replay(choice: ReplayChoice): Promise<ReplayResult> {
    const wanted = new Set('ids' in choice ? choice.ids : []);
    const found = new Set<string>();
    const outcome = await this.withConnection((connection) =>
      replayDeadLetters(
        connection,
        replayTargetOf(this.messaging.topology, choice.queue),
        (letter) => {
          if ('all' in choice) return true;
          if (letter.messageId === undefined || !wanted.has(letter.messageId)) return false;
          found.add(letter.messageId);
          return true;
        },
        { confirmTimeoutMs: this.config.PUBLISH_CONFIRM_TIMEOUT_MS, max: MAX_PER_QUEUE },
      ),
    );
    return {
      queue: choice.queue,
      replayed: outcome.replayed.map((letter) => letter.messageId ?? null),
      failed: outcome.failed.map((f) => ({ id: f.deadLetter.messageId ?? null, error: f.error })),
      notFound: [...wanted].filter((id) => !found.has(id)),
    };
  }

  private view(queue: ConsumerName, letter: DeadLetter): DeadLetterView {
    return {
      id: letter.messageId ?? null,
      type: letter.type ?? null,
      originQueue: queueOf(this.messaging.topology, queue),
      reason: letter.reason,
      deaths: letter.deaths,
    };
  }

  private async withConnection<T>(work: (connection: amqplib.ChannelModel) => Promise<T>): Promise<T> {
    const url = this.config.OPS_RABBITMQ_URL;
    if (url === undefined) {
      throw new AppError(
        503,
        'replay_not_configured',
        'Replay is not configured: set OPS_RABBITMQ_URL on admin-service to a broker user that may read the dead-letter queues, or use `npm run dead-letters`.',
      );
    }
    let connection: amqplib.ChannelModel;
    try {
      connection = await amqplib.connect(url, { timeout: this.config.PUBLISH_CONFIRM_TIMEOUT_MS });
    } catch {
      // The driver's message may carry the host; the URL (with its password) never leaves here.
      throw AppError.unavailable('the broker (OPS_RABBITMQ_URL)');
    }
    connection.on('error', () => undefined);
    try {
      return await work(connection);
    } catch (err) {
      // A refused queue read (missing rights, no such queue) is the operator's setup, not the caller's request.
      throw new AppError(503, 'dead_letters_unavailable', `the dead-letter queues could not be read: ${(err as Error).message}`);
    } finally {
      await connection.close().catch(() => undefined);
    }
  }
}
