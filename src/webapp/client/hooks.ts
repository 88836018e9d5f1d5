import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { getPerformance, subscribe } from './store.ts';
import type { Performance } from './types.ts';

/** Re-render when any remembered performance changes (the store notifies after live updates). */
export function useStoreVersion(): number {
  const [version, bump] = useReducer((n: number, _: undefined) => n + 1, 0);
  useEffect(() => subscribe(() => bump(undefined)), []);
  return version;
}

/** A remembered performance by cast hash, kept current by the stream. */
export function usePerformance(castHash: string): Performance | undefined {
  useStoreVersion();
  return getPerformance(castHash);
}

export type Load<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; error: unknown };

/** Run an async read when `key` changes; an initial value (inlined by the server) skips the first read. */
export function useLoad<T>(key: string, read: () => Promise<T>, initial?: T): Load<T> {
  const [load, setLoad] = useState<Load<T>>(
    initial === undefined ? { state: 'loading' } : { state: 'ok', value: initial },
  );
  const first = useRef(initial !== undefined);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    let live = true;
    setLoad({ state: 'loading' });
    read().then(
      (value) => live && setLoad({ state: 'ok', value }),
      (error: unknown) => live && setLoad({ state: 'error', error }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  return load;
}
