import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGroupCommit } from './group-commit.ts';

// The queue alone, with a commit that records its batches; hl7v2.group-commit.test.ts runs it on the store.

function recorder(options: { fail?: (batch: readonly number[]) => boolean; concurrency?: number } = {}) {
  const batches: number[][] = [];
  const gate = { open: Promise.resolve() };
  const queue = createGroupCommit<number, string>({
    maxItems: 4,
    maxSize: 10,
    sizeOf: (n) => (n >= 100 ? 10 : 1),
    isAlone: (n) => n < 0,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    async commit(batch) {
      batches.push([...batch]);
      await gate.open;
      if (options.fail?.(batch)) throw new Error('failed');
      return batch.map((n) => `ok ${n}`);
    },
  });
  return { queue, batches, gate };
}

test('the first item goes at once; what arrives meanwhile goes together next, in order, within the limits', async () => {
  const { queue, batches } = recorder();
  const results = await Promise.all([1, 2, 3, 4, 5, 6, 100, 7, -1, 8].map((n) => queue.submit(n)));
  assert.deepEqual(
    results,
    [1, 2, 3, 4, 5, 6, 100, 7, -1, 8].map((n) => `ok ${n}`),
  );
  // maxItems 4; 100 is as large as a whole batch (maxSize 10), so it goes alone; -1 must go alone.
  assert.deepEqual(batches, [[1], [2, 3, 4, 5], [6], [100], [7], [-1], [8]]);
});

test('a failed batch is committed again item by item; only the item that fails alone is rejected', async () => {
  const { queue, batches } = recorder({ fail: (batch) => batch.includes(3) });
  const settled = await Promise.allSettled([1, 2, 3, 4].map((n) => queue.submit(n)));
  assert.deepEqual(
    settled.map((s) => s.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
  );
  assert.deepEqual(batches, [[1], [2, 3, 4], [2], [3], [4]]);
});

test('an item submitted after the queue went idle is committed (no item is left waiting)', async () => {
  const { queue } = recorder();
  for (let i = 0; i < 50; i++) {
    assert.equal(await queue.submit(i), `ok ${i}`);
    await queue.idle();
    // Submitted from a continuation of the last commit, while the worker is finishing.
    assert.equal(await Promise.resolve().then(() => queue.submit(1000 + i)), `ok ${1000 + i}`);
  }
});

test('with two transactions at once, the second starts while the first is committing', async () => {
  const { queue, batches, gate } = recorder({ concurrency: 2 });
  let open!: () => void;
  gate.open = new Promise<void>((resolve) => (open = resolve));
  const results = [1, 2, 3, 4].map((n) => queue.submit(n));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [[1], [2]], 'two transactions running; the rest wait');
  open();
  assert.deepEqual(await Promise.all(results), ['ok 1', 'ok 2', 'ok 3', 'ok 4']);
  assert.deepEqual(batches.slice(2).flat().sort(), [3, 4]);
  await queue.idle();
});

test('an item that goes alone waits for the batches before it, and none after it starts until it is done', async () => {
  const log: string[] = [];
  let running = 0;
  const queue = createGroupCommit<number, number>({
    maxItems: 2,
    concurrency: 2,
    isAlone: (n) => n < 0,
    async commit(batch) {
      running++;
      log.push(`start ${batch.join(',')} with ${running} running`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push(`end ${batch.join(',')}`);
      running--;
      return [...batch];
    },
  });
  const results = await Promise.all([1, 2, 3, -1, 4, 5, 6].map((n) => queue.submit(n)));
  assert.deepEqual(results, [1, 2, 3, -1, 4, 5, 6]);
  const start = log.findIndex((l) => l.startsWith('start -1'));
  assert.equal(log[start], 'start -1 with 1 running', 'nothing runs beside it');
  const end = log.indexOf('end -1');
  assert.ok(
    log.slice(0, start).some((l) => l.startsWith('end 2') || l.includes('3')),
    'the batches before it ran first',
  );
  assert.ok(
    log.slice(start, end).every((l) => !/^(start|end) [456]/.test(l)),
    'no batch after it starts before it is done',
  );
  await queue.idle();
});
