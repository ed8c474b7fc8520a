import type { LiveStatus } from './live';

interface Props {
  status: LiveStatus;
  /** What is live, e.g. "Likes and products" (the indicator's accessible name starts with it). */
  subject: string;
  /** How often the page reads again while it has no stream (shown when it only polls). */
  pollSeconds: number;
}

const TEXT: Record<LiveStatus, (pollSeconds: number) => string> = {
  connecting: () => 'Connecting…',
  live: () => 'Live',
  reconnecting: () => 'Reconnecting…',
  polling: (s) => `Updated every ${s} s`,
};

/** Says whether changes show as they happen; a polite live region, so a screen reader hears it change without being interrupted. */
export function LiveIndicator({ status, subject, pollSeconds }: Props) {
  return (
    <p className={`live-indicator ${status}`} role="status" aria-live="polite" data-status={status}>
      <span className="dot" aria-hidden="true" />
      <span className="visually-hidden">{subject}: </span>
      {TEXT[status](pollSeconds)}
    </p>
  );
}
