import { applyCoinEvent, applyMetricsEvent } from './applyLiveEvent.ts';
import type { Performance } from './types.ts';

type Listener = () => void;

/** Every performance the app has read, by cast hash: feed cards and the performance screen read the same entry, so
 * a live update shows everywhere at once. */
const performances = new Map<string, Performance>();
const listeners = new Set<Listener>();

const notify = () => {
  for (const listener of listeners) listener();
};

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const getPerformance = (castHash: string) => performances.get(castHash.toLowerCase());

/** Keep what was read (a fresher read replaces the entry). */
export function remember(items: readonly Performance[]): void {
  let changed = false;
  for (const item of items) {
    const key = item.castHash.toLowerCase();
    if (performances.get(key) === item) continue;
    performances.set(key, item);
    changed = true;
  }
  if (changed) notify();
}

export function applyMetrics(data: Record<string, unknown>): void {
  const key = String(data.castHash ?? '').toLowerCase();
  const current = performances.get(key);
  if (current === undefined) return;
  const next = applyMetricsEvent(current, data);
  if (next !== current) {
    performances.set(key, next);
    notify();
  }
}

export function applyCoin(data: Record<string, unknown>): void {
  let changed = false;
  for (const [key, current] of performances) {
    const next = applyCoinEvent(current, data);
    if (next !== current) {
      performances.set(key, next);
      changed = true;
    }
  }
  if (changed) notify();
}
