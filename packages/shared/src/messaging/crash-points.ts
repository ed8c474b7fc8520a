import type { EventEmitter } from 'node:events';

/**
 * Named moments at which a fault test may kill the process, to prove no event is lost or
 * double-applied there. Enabled only by a test-only setting that production configuration rejects.
 *
 * - `after-like-commit`: a like (and its outbox row) committed, before the relay is told.
 * - `after-publish-before-confirm`: the broker has the message (its confirm, basic.ack, has
 *   arrived on the socket) but the relay never handles that confirm: the row stays claimed-then-
 *   released and is published again after the restart, and the consumer's inbox drops the copy.
 * - `after-confirm-before-mark-sent`: the relay has every confirm of a batch, before its DELETE.
 * - `after-consume-commit-before-ack`: a consumer committed an event, before its ack.
 */
export const CRASH_POINTS = [
  'after-like-commit',
  'after-unlike-commit',
  'after-publish-before-confirm',
  'after-confirm-before-mark-sent',
  'after-consume-commit-before-ack',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export type CrashHook = (point: CrashPoint) => void;

export const noCrash: CrashHook = () => undefined;

/** A hook that exits the process at `armed` the first time it is reached. */
export function crashAt(armed: CrashPoint | undefined, exit: (code: number) => never = (code) => process.exit(code)): CrashHook {
  if (!armed) return noCrash;
  return (point) => {
    if (point === armed) {
      process.stderr.write(`crash point reached: ${point}\n`);
      exit(86);
    }
  };
}

/**
 * Wires `after-publish-before-confirm` into a publishing confirm channel. amqplib emits `ack` for
 * each confirm frame and settles the publisher's callback from its own listener; a listener put in
 * front of it runs while the broker already holds the message (it confirms only once the message is
 * routed and stored) and before any of the publisher's code sees the confirm. Calling the hook any
 * earlier, e.g. right after `publish()`, would exit before amqplib even wrote the frame.
 */
export function armConfirmCrash(channel: Pick<EventEmitter, 'prependListener'>, crash: CrashHook): void {
  if (crash === noCrash) return;
  // A mandatory publish the broker returned unroutable is confirmed too, right after its
  // basic.return: that confirm does not mean the broker holds the message, so it is passed over.
  let returned = false;
  channel.prependListener('return', () => {
    returned = true;
  });
  channel.prependListener('ack', () => {
    if (returned) {
      returned = false;
      return;
    }
    crash('after-publish-before-confirm');
  });
}
