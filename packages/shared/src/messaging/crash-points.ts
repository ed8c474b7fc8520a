/**
 * Named moments at which a fault test may kill the process, to prove no event is lost or
 * double-applied there. Enabled only by a test-only setting that production configuration rejects.
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
export function crashAt(armed: CrashPoint | undefined, exit: (code: number) => never = process.exit): CrashHook {
  if (!armed) return noCrash;
  return (point) => {
    if (point === armed) {
      process.stderr.write(`crash point reached: ${point}\n`);
      exit(86);
    }
  };
}
