import { describe, expect, it } from 'vitest';
import { settleAll } from './settleAll.ts';

describe('settleAll', () => {
  it('waits for rejected work and for work added while waiting, including after a chain of awaits', async () => {
    const work: Promise<unknown>[] = [];
    const done: string[] = [];
    const later = async () => {
      await null;
      await null;
      work.push(new Promise((resolve) => setTimeout(resolve, 5)).then(() => done.push('added')));
    };
    work.push(Promise.reject(new Error('ignored')));
    work.push(
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        done.push('first');
        void later();
      })(),
    );
    await settleAll(work);
    expect(done).toEqual(['first', 'added']);
  });

  it('returns at once for no work', async () => {
    await expect(settleAll([])).resolves.toBeUndefined();
  });
});
