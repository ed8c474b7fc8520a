import type { EventType } from '../contracts/events';

export type ConsumeOutcome = 'applied' | 'duplicate';

/** Why a broker connection was lost, as far as the client can tell. */
export type BrokerLossReason = 'heartbeat_timeout' | 'closed_by_broker' | 'connection_lost';

/** What happened to one of a process's broker connections (`connection`: publisher or consumer). */
export type BrokerConnectionEvent =
  | { connection: string; event: 'lost'; reason: BrokerLossReason }
  | { connection: string; event: 'connect_failed' }
  | { connection: string; event: 'blocked' };

/**
 * Hooks through which messaging reports what happened, so metrics stay outside it.
 * Every hook is optional and must not throw. `type` values that come from a message are untrusted.
 */
export interface MessagingObserver {
  published?(type: string, count: number): void;
  publishFailed?(type: string, reason: string): void;
  /**
   * Rows the broker had confirmed whose claim then rolled back (the DELETE or the COMMIT failed):
   * they stay in the outbox and are published again, so each is one expected duplicate.
   */
  claimRolledBack?(confirmedRows: number): void;
  /** Confirmed but returned by the broker: no queue is bound for the event's routing key. Not delivered; kept for a retry. */
  unroutable?(type: string, count: number): void;
  /** Every delivery, before it is parsed; `type` is the message's own (unvalidated) type property. */
  delivered?(info: { type: string; redelivered: boolean }): void;
  consumed?(info: { type: EventType; outcome: ConsumeOutcome; durationSeconds: number; redelivered: boolean; lagSeconds: number }): void;
  consumeFailed?(info: { type: string; kind: string }): void;
  deadLettered?(info: { type: string; reason: string }): void;
  broker?(info: BrokerConnectionEvent): void;
  /** Inbox rows past their retention, deleted. */
  inboxPruned?(count: number): void;
}

/** One observer that tells each of several (e.g. the metrics and a test's probe). */
export function combineObservers(...observers: (MessagingObserver | undefined)[]): MessagingObserver {
  const present = observers.filter((o): o is MessagingObserver => o !== undefined);
  const each =
    <K extends keyof MessagingObserver>(hook: K) =>
    (...args: Parameters<NonNullable<MessagingObserver[K]>>) => {
      for (const observer of present) (observer[hook] as ((...a: typeof args) => void) | undefined)?.(...args);
    };
  return {
    published: each('published'),
    publishFailed: each('publishFailed'),
    claimRolledBack: each('claimRolledBack'),
    unroutable: each('unroutable'),
    delivered: each('delivered'),
    consumed: each('consumed'),
    consumeFailed: each('consumeFailed'),
    deadLettered: each('deadLettered'),
    broker: each('broker'),
    inboxPruned: each('inboxPruned'),
  };
}
