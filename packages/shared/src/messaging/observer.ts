import type { EventType } from '../contracts/events';

export type ConsumeOutcome = 'applied' | 'duplicate';

/**
 * Hooks through which messaging reports what happened, so metrics stay outside it.
 * Every hook is optional and must not throw. `type` values that come from a message are untrusted.
 */
export interface MessagingObserver {
  published?(type: string, count: number): void;
  publishFailed?(type: string, reason: string): void;
  /** Confirmed but returned by the broker: no queue is bound for the event's routing key. Not delivered; kept for a retry. */
  unroutable?(type: string, count: number): void;
  /** Every delivery, before it is parsed; `type` is the message's own (unvalidated) type property. */
  delivered?(info: { type: string; redelivered: boolean }): void;
  consumed?(info: { type: EventType; outcome: ConsumeOutcome; durationSeconds: number; redelivered: boolean; lagSeconds: number }): void;
  consumeFailed?(info: { type: string; kind: string }): void;
  deadLettered?(info: { type: string; reason: string }): void;
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
    unroutable: each('unroutable'),
    delivered: each('delivered'),
    consumed: each('consumed'),
    consumeFailed: each('consumeFailed'),
    deadLettered: each('deadLettered'),
    inboxPruned: each('inboxPruned'),
  };
}
