// Group commit: work that arrives while a transaction is running waits for it, and then everything that waited
// is committed together in the next one. One transaction at a time per queue; nothing waits on a timer, so a
// lone message is committed at once and a busy feed pays the commit (and the per-statement cost) once per batch.

export interface GroupCommitOptions<T, R> {
  /**
   * Commits one batch in one transaction and returns each item's result, in order. A throw fails the batch:
   * when it held more than one item, each item is then committed in a transaction of its own, in order, so
   * that one item the store refuses does not fail the others; a throw for a lone item rejects that item.
   */
  commit(batch: readonly T[]): Promise<R[]>;
  /** Transactions at once (default 1): more than one lets a batch be prepared while another commits. */
  concurrency?: number;
  /** At most this many items in one batch. */
  maxItems: number;
  /** At most this much (by `sizeOf`) in one batch; an item larger than that goes alone. */
  maxSize?: number;
  sizeOf?(item: T): number;
  /**
   * An item that must be committed in a transaction of its own, and with no other transaction of the queue
   * running beside it: the batches before it finish first, and none after it starts until it is done (it is
   * still taken in submission order).
   */
  isAlone?(item: T): boolean;
}

export interface GroupCommit<T, R> {
  /** Queues an item; resolves to its result once its transaction has committed. */
  submit(item: T): Promise<R>;
  /** Resolves once nothing is queued or committing. */
  idle(): Promise<void>;
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/** A queue whose items are committed in batches, one transaction at a time, in the order they were submitted. */
export function createGroupCommit<T, R>(options: GroupCommitOptions<T, R>): GroupCommit<T, R> {
  const queue: Waiting<T, R>[] = [];
  const concurrency = options.concurrency ?? 1;
  const running = new Set<Promise<void>>();
  let active = 0;

  // An item committed alone holds a barrier: no batch is taken while it waits for those in flight and commits.
  let barrier = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const take = (): Waiting<T, R>[] => {
    const batch: Waiting<T, R>[] = [];
    if (barrier) return batch;
    let size = 0;
    while (queue.length > 0 && batch.length < options.maxItems) {
      const next = queue[0]!.item;
      const itemSize = options.sizeOf?.(next) ?? 0;
      if (batch.length > 0 && options.maxSize !== undefined && size + itemSize > options.maxSize) break;
      if (options.isAlone?.(next)) {
        if (batch.length === 0) batch.push(queue.shift()!);
        break;
      }
      size += itemSize;
      batch.push(queue.shift()!);
    }
    return batch;
  };

  const commitAlone = async (w: Waiting<T, R>) => {
    try {
      const [result] = await options.commit([w.item]);
      w.resolve(result!);
    } catch (e) {
      w.reject(e);
    }
  };

  const commitBatch = async (batch: Waiting<T, R>[]) => {
    if (batch.length === 1) return commitAlone(batch[0]!);
    let results: R[];
    try {
      results = await options.commit(batch.map((w) => w.item));
    } catch {
      // Which item failed is not known (and a failed commit may be the database's, not an item's): each goes
      // again on its own, in order. What did commit is found as committed (the commit is idempotent per item).
      for (const w of batch) await commitAlone(w);
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]!));
  };

  // Each worker takes what is queued when it is free; it stops when it finds the queue empty (in the same step,
  // so an item submitted after that starts a new one).
  const work = async () => {
    for (;;) {
      const batch = take();
      if (batch.length === 0) {
        active--;
        return;
      }
      const alone = batch.length === 1 && (options.isAlone?.(batch[0]!.item) ?? false);
      if (alone) {
        barrier = true;
        while (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      }
      inFlight++;
      try {
        await commitBatch(batch);
      } finally {
        inFlight--;
        if (inFlight === 0) drained?.();
        if (alone) barrier = false;
      }
    }
  };

  return {
    submit(item) {
      const promise = new Promise<R>((resolve, reject) => queue.push({ item, resolve, reject }));
      if (active < concurrency) {
        active++;
        const worker = work().finally(() => running.delete(worker));
        running.add(worker);
      }
      return promise;
    },
    async idle() {
      while (active > 0) await Promise.all(running);
    },
  };
}
