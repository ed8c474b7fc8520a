import type { Logger } from '@catalogue/shared';
import { ChangeSequence, type Gap } from './change-sequence';
import type { ProductChangeMetrics } from './product-changes.metrics';
import type { ProductChange, ProductChangesRepository } from './product-changes.repository';

export type ChangeListener = (changes: readonly ProductChange[]) => void;

export interface ProductChangesSettings {
  /** How often the feed is read when nothing in this process woke it earlier. */
  pollMs: number;
  /** How long changes stay in the feed (the window a reconnecting reader can resume in). */
  retentionSeconds: number;
  /** How long a gap whose transaction is still open is waited for before it is skipped anyway. */
  gapGiveUpMs?: number;
}

/** Changes read per query; more wait for the next read, which follows at once. */
const READ_BATCH = 500;
/** A resume further back than this reloads instead (a reload costs one page; a replay this long costs more). */
const MAX_REPLAY = 5000;
/** A gap is probed only once it is this old: the statement that took its ids may not have written its rows yet. */
const GAP_PROBE_AFTER_MS = 200;
/** A gap whose transaction is still open after this long is skipped anyway, so one stuck writer cannot stall every reader. */
const DEFAULT_GAP_GIVE_UP_MS = 10_000;
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 1000;
const RETRY_AFTER_ERROR_MS = 1000;

/**
 * main's change feed, as every API replica hears it: product changes once main's consumer has
 * committed them (whichever process runs it), and like counts raised by any replica. Each replica
 * reads `product_changes` by id (one indexed query per `pollMs`, or at once when this process
 * committed a change itself) and tells its listeners, in ascending id order, each change once.
 *
 * - `subscribe(listener)`: changes from now on (the list cache clears on each batch).
 * - `resume(afterId, listener)`: the changes after `afterId` still in the feed, then live ones,
 *   none missed and none twice; `'expired'` when the feed no longer reaches back that far (the
 *   reader reloads instead). For a reconnecting stream's Last-Event-ID.
 * - `since(afterId)`: the retained changes after an id, up to what this replica has delivered.
 * - `replay(afterId, upTo)`: `resume`'s replay on its own, for a reader that fans changes out
 *   itself (the live stream, main-service/src/live).
 *
 * Listeners run synchronously in the read loop: they must be quick and must not throw (a throw
 * is logged and the others still run).
 */
export class ProductChanges {
  private readonly listeners = new Set<ChangeListener>();
  private sequence?: ChangeSequence;
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;
  private lastPrune = 0;

  constructor(
    private readonly repository: ProductChangesRepository,
    private readonly settings: ProductChangesSettings,
    private readonly metrics: ProductChangeMetrics,
    private readonly logger: Logger,
  ) {}

  /** Every change up to this id has been delivered here (or given up on). */
  get position(): number {
    return this.sequence?.position ?? 0;
  }

  /** Starts reading from the feed's current end; changes already in it are history, not news. */
  async start(): Promise<void> {
    if (this.running) return;
    this.sequence = new ChangeSequence(await this.repository.head());
    this.running = true;
    this.lastPrune = Date.now() - Math.random() * PRUNE_EVERY_MS; // replicas prune at different moments
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** A change was committed in this process: read now rather than at the next tick. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  subscribe(listener: ChangeListener): () => void {
    const entry: ChangeListener = (changes) => listener(changes);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** See the class comment. Rejects when the feed cannot be read (the caller may retry or reload). */
  async resume(afterId: number, listener: ChangeListener): Promise<(() => void) | 'expired'> {
    const upTo = this.position;
    // Registered before the read, in the same tick as `upTo`: every live batch from here on is
    // above upTo, so holding them until the replay is out loses nothing and repeats nothing.
    const held: (readonly ProductChange[])[] = [];
    let live = false;
    const entry: ChangeListener = (changes) => {
      const newer = changes.filter((c) => c.id > afterId);
      if (newer.length === 0) return;
      if (live) listener(newer);
      else held.push(newer);
    };
    this.listeners.add(entry);
    const unsubscribe = () => this.listeners.delete(entry);
    try {
      const replay = await this.replay(afterId, upTo);
      if (replay === 'expired') {
        unsubscribe();
        return 'expired';
      }
      if (replay.length > 0) listener(replay);
      for (const changes of held) listener(changes);
      live = true;
      return unsubscribe;
    } catch (err) {
      unsubscribe();
      throw err;
    }
  }

  /** The retained changes after `afterId` up to `upTo` (this replica's position), or `'expired'` if some were pruned (or too many to replay). */
  async since(afterId: number, upTo = this.position): Promise<ProductChange[] | 'expired'> {
    if (afterId >= upTo) return [];
    const oldest = await this.repository.oldest();
    // Nothing retained, or the oldest row beyond the next id: the changes in between were pruned.
    if (oldest === undefined || oldest > afterId + 1) return 'expired';
    const changes = await this.repository.after(afterId, MAX_REPLAY + 1, upTo);
    return changes.length > MAX_REPLAY ? 'expired' : changes;
  }

  /**
   * What a reader that has seen every change up to `afterId` missed, up to `upTo` (this replica's
   * position, or less): `since(afterId, upTo)`. A reader that saw more than `upTo` misses nothing
   * here (another replica delivered it first), unless the feed never had `afterId`: 'expired'.
   */
  async replay(afterId: number, upTo = this.position): Promise<ProductChange[] | 'expired'> {
    if (afterId < upTo) return this.since(afterId, upTo);
    if (afterId === upTo) return [];
    return afterId > (await this.repository.head()) ? 'expired' : [];
  }

  private async run(): Promise<void> {
    while (this.running) {
      let pause = this.settings.pollMs;
      try {
        // A full batch means more is waiting: read again at once.
        if (await this.readOnce()) pause = 0;
        await this.pruneWhenDue();
      } catch (err) {
        this.metrics.readErrors.inc();
        this.logger.warn({ err: (err as Error).message }, 'reading the product change feed failed; retrying');
        pause = RETRY_AFTER_ERROR_MS;
      }
      if (pause > 0) await this.sleep(pause);
    }
  }

  /** One read and delivery; true when the read was full and more may be waiting. */
  private async readOnce(): Promise<boolean> {
    const sequence = this.sequence!;
    for (;;) {
      const rows = await this.repository.after(sequence.position, READ_BATCH);
      const readAt = Date.now();
      const { ready, gap } = sequence.take(rows, readAt);
      this.deliver(ready, readAt);
      if (!gap) return rows.length === READ_BATCH;
      // Rows past a gap were read and held back; decide whether the gap can be skipped now.
      if (!(await this.giveUpOn(gap))) return false;
      sequence.skip(gap);
    }
  }

  private async giveUpOn(gap: Gap): Promise<boolean> {
    if (gap.waitedMs < GAP_PROBE_AFTER_MS) return false;
    const probe = await this.repository.probeGap(gap.from, gap.to);
    const ids = gap.to - gap.from + 1;
    if (probe === 'absent') {
      this.metrics.skipped.inc({ reason: 'rolled_back' }, ids);
      return true;
    }
    if (probe === 'in_flight' && gap.waitedMs >= (this.settings.gapGiveUpMs ?? DEFAULT_GAP_GIVE_UP_MS)) {
      this.metrics.skipped.inc({ reason: 'timed_out' }, ids);
      this.logger.warn(
        { from: gap.from, to: gap.to, waitedMs: gap.waitedMs },
        'a change feed transaction stayed open too long; its changes are skipped',
      );
      return true;
    }
    // Committed since the read (the next read delivers it), or still open: wait.
    return false;
  }

  private deliver(changes: ProductChange[], readAt: number): void {
    if (changes.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch (err) {
        this.logger.error({ err: (err as Error).message }, 'a product change listener failed');
      }
    }
    const held = (Date.now() - readAt) / 1000;
    for (const change of changes) this.metrics.delay.observe({ kind: change.kind }, change.ageSeconds + held);
  }

  private async pruneWhenDue(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    let pruned = 0;
    let batch: number;
    do {
      batch = await this.repository.prune(this.settings.retentionSeconds, PRUNE_BATCH);
      pruned += batch;
    } while (batch === PRUNE_BATCH && this.running);
    if (pruned > 0) this.logger.debug({ pruned }, 'pruned old product changes');
  }

  /** Waits `ms`, or less when `wake()` is called; a wake during a read makes the next wait end at once. */
  private sleep(ms: number): Promise<void> {
    if (this.woken || !this.running) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wakeUp = () => {
        this.woken = false;
        finish();
      };
    });
  }
}
