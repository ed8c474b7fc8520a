import type { EventType } from '../contracts/events';

export type ConsumeOutcome = 'applied' | 'duplicate';

/**
 * Hooks through which messaging reports what happened, so metrics and tracing stay outside it.
 * Every hook is optional and must not throw.
 */
export interface MessagingObserver {
  published?(type: string, count: number): void;
  publishFailed?(type: string, reason: string): void;
  consumed?(info: { type: EventType; outcome: ConsumeOutcome; durationSeconds: number; redelivered: boolean; lagSeconds: number }): void;
  consumeFailed?(info: { type: string; kind: string }): void;
  deadLettered?(info: { type: string; reason: string }): void;
}
