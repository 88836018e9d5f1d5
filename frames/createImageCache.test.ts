import { describe, expect, it } from 'vitest';
import { createImageCache } from './createImageCache.ts';

const png = (size: number, fill = 1) => new Uint8Array(size).fill(fill);

describe('createImageCache', () => {
  it('serves hits without rendering and evicts the least recently used entries beyond maxBytes', async () => {
    const cache = createImageCache(300);
    let renders = 0;
    const render = (fill: number) => async () => {
      renders++;
      return png(100, fill);
    };
    await cache.getOrRender('a', render(1));
    await cache.getOrRender('b', render(2));
    await cache.getOrRender('c', render(3));
    expect(await cache.getOrRender('a', render(9))).toEqual(png(100, 1));
    await cache.getOrRender('d', render(4));
    expect(cache.stats()).toMatchObject({ entries: 3, bytes: 300, hits: 1, misses: 4, renders: 4, evictions: 1 });
    expect(await cache.getOrRender('b', render(5))).toEqual(png(100, 5));
    expect(renders).toBe(5);
  });

  it('renders once for concurrent requests of one key', async () => {
    const cache = createImageCache(1000);
    let renders = 0;
    let release: (value: Uint8Array) => void = () => {};
    const slow = () => {
      renders++;
      return new Promise<Uint8Array>((resolve) => {
        release = resolve;
      });
    };
    const all = Promise.all([cache.getOrRender('k', slow), cache.getOrRender('k', slow), cache.getOrRender('k', slow)]);
    await Promise.resolve();
    await Promise.resolve();
    release(png(10));
    expect((await all).every((b) => b.byteLength === 10)).toBe(true);
    expect(renders).toBe(1);
    expect(cache.stats()).toMatchObject({ joined: 2, renders: 1 });
  });

  it('does not cache failures or images larger than the whole cache', async () => {
    const cache = createImageCache(50);
    await expect(cache.getOrRender('x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await cache.getOrRender('x', async () => png(10))).toHaveLength(10);
    await cache.getOrRender('big', async () => png(60));
    expect(cache.stats()).toMatchObject({ entries: 1, bytes: 10 });
  });
});
