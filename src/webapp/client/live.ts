import { fetchPerformance } from './api.ts';
import { applyCoin, applyMetrics, remember } from './store.ts';

type Kind = 'performances' | 'coins' | 'trades';
type TradeListener = (data: Record<string, unknown>) => void;

const wanted: Record<Kind, Map<string, number>> = {
  performances: new Map(),
  coins: new Map(),
  trades: new Map(),
};
const tradeListeners = new Map<string, Set<TradeListener>>();
let source: EventSource | null = null;
let openedFor = '';
let reopenTimer: ReturnType<typeof setTimeout> | undefined;
let retryMs = 1000;

/** The subscription query for what is watched now ('' when nothing is). */
function query(): string {
  const parts: string[] = [];
  for (const kind of ['coins', 'performances', 'trades'] as const) {
    const keys = [...wanted[kind].keys()].sort();
    if (keys.length > 0) parts.push(`${kind}=${keys.join(',')}`);
  }
  return parts.join('&');
}

function open(): void {
  reopenTimer = undefined;
  const q = query();
  if (q === openedFor && source !== null) return;
  source?.close();
  source = null;
  openedFor = q;
  if (q === '' || typeof EventSource === 'undefined') return;
  const es = new EventSource(`/api/stream?${q}`);
  source = es;
  es.onopen = () => {
    retryMs = 1000;
  };
  const read = (handle: (data: Record<string, unknown>) => void) => (event: MessageEvent<string>) => {
    try {
      const data = JSON.parse(event.data) as unknown;
      if (data !== null && typeof data === 'object') handle(data as Record<string, unknown>);
    } catch {
      // A malformed event changes nothing on screen.
    }
  };
  es.addEventListener('metrics', read(applyMetrics));
  es.addEventListener('coin', read(applyCoin));
  es.addEventListener(
    'trade',
    read((data) => {
      const hash = String(data.txHash ?? '').toLowerCase();
      for (const listener of tradeListeners.get(hash) ?? []) listener(data);
    }),
  );
  // The server could not replay what this connection missed (its Last-Event-ID is too old): read the subjects again.
  es.addEventListener('reset', () => {
    for (const castHash of wanted.performances.keys()) {
      fetchPerformance(castHash).then(
        (p) => remember([p]),
        () => undefined,
      );
    }
  });
  // EventSource retries a dropped connection by itself; an HTTP error (a 503 at the connection cap, a server without
  // the stream) closes it for good, so reopen with a growing delay.
  es.onerror = () => {
    if (es.readyState !== EventSource.CLOSED || source !== es) return;
    source = null;
    openedFor = '';
    schedule(retryMs);
    retryMs = Math.min(retryMs * 2, 30_000);
  };
}

function schedule(delayMs: number): void {
  if (reopenTimer !== undefined) clearTimeout(reopenTimer);
  reopenTimer = setTimeout(open, delayMs);
}

/** Watch subjects on the one stream connection (reopened, debounced, when the set changes); returns the unwatch. */
export function watch(subjects: Partial<Record<Kind, readonly string[]>>): () => void {
  const taken: [Kind, string][] = [];
  for (const kind of ['performances', 'coins', 'trades'] as const) {
    for (const raw of subjects[kind] ?? []) {
      const key = raw.toLowerCase();
      wanted[kind].set(key, (wanted[kind].get(key) ?? 0) + 1);
      taken.push([kind, key]);
    }
  }
  schedule(150);
  return () => {
    for (const [kind, key] of taken) {
      const count = (wanted[kind].get(key) ?? 1) - 1;
      if (count <= 0) wanted[kind].delete(key);
      else wanted[kind].set(key, count);
    }
    schedule(1000);
  };
}

/** Hear a trade's status changes from the stream (the trade is watched while listened to). */
export function onTrade(txHash: string, listener: TradeListener): () => void {
  const key = txHash.toLowerCase();
  const set = tradeListeners.get(key) ?? new Set();
  set.add(listener);
  tradeListeners.set(key, set);
  const unwatch = watch({ trades: [key] });
  return () => {
    set.delete(listener);
    if (set.size === 0) tradeListeners.delete(key);
    unwatch();
  };
}
