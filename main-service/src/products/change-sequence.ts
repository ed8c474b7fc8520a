/** Ids missing between the feed's position and the next change read: `from..to`, waited on since the first read that saw them missing. */
export interface Gap {
  from: number;
  to: number;
  waitedMs: number;
}

/**
 * Which of the changes read past the feed's position may be delivered now. A transaction takes
 * its feed id when it writes the row but the row shows only at its commit, so a later id can show
 * before an earlier one. Delivery stops at the first missing id until it shows, or until it is
 * known never to (its transaction rolled back) and is skipped: listeners see ids in ascending
 * order, and a reader that resumes after an id misses nothing below it.
 */
export class ChangeSequence {
  private gapSince?: { from: number; at: number };

  constructor(private delivered: number) {}

  /** Every id up to here was delivered or given up on. */
  get position(): number {
    return this.delivered;
  }

  /** `rows`: changes read after the position, ascending. Moves the position past the ones returned as ready. */
  take<T extends { id: number }>(rows: readonly T[], now: number): { ready: T[]; gap?: Gap } {
    const ready: T[] = [];
    let next = this.delivered + 1;
    for (const row of rows) {
      if (row.id < next) continue;
      if (row.id > next) {
        if (this.gapSince?.from !== next) this.gapSince = { from: next, at: now };
        this.delivered = next - 1;
        return { ready, gap: { from: next, to: row.id - 1, waitedMs: now - this.gapSince.at } };
      }
      ready.push(row);
      next++;
    }
    this.delivered = next - 1;
    this.gapSince = undefined;
    return { ready };
  }

  /** Gives up on a gap at the position: its ids are never delivered. */
  skip(gap: Gap): void {
    if (gap.from !== this.delivered + 1) return;
    this.delivered = gap.to;
    this.gapSince = undefined;
  }
}
