/** What a batch answers for each of its items, in order: a value, or the error for that item alone. */
export type BatchOutcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface MicroBatcherOptions<I, O> {
  /** Most items in one batch. */
  maxBatch: number;
  /** Batches running at once; further items wait and join the next batch. */
  maxConcurrent: number;
  /** Runs one batch; a rejection fails every item in it. */
  run: (items: I[]) => Promise<BatchOutcome<O>[]>;
}

/**
 * Groups concurrent calls into batches: items submitted while the batch slots are busy (or in the
 * same turn of the event loop) are run together, so a write path pays one transaction per batch
 * instead of one per request. Under light load every item runs alone, at once.
 */
export class MicroBatcher<I, O> {
  private queue: { item: I; resolve: (value: O) => void; reject: (err: unknown) => void }[] = [];
  private running = 0;
  private scheduled = false;

  constructor(private readonly options: MicroBatcherOptions<I, O>) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.options.maxConcurrent || this.queue.length === 0) return;
    this.scheduled = true;
    // After the current I/O phase, so requests read in the same phase share a batch.
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.running < this.options.maxConcurrent && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.running++;
      this.options
        .run(batch.map((entry) => entry.item))
        .then(
          (outcomes) =>
            batch.forEach((entry, i) => {
              const outcome = outcomes[i];
              if (!outcome) entry.reject(new Error('batch gave no outcome for an item'));
              else if (outcome.ok) entry.resolve(outcome.value);
              else entry.reject(outcome.error);
            }),
          (err: unknown) => batch.forEach((entry) => entry.reject(err)),
        )
        .finally(() => {
          this.running--;
          this.schedule();
        });
    }
  }
}
