import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type FeedSort, feedKey, fetchFeed, takeInitial } from '../api.ts';
import { PerformanceCard } from '../components/PerformanceCard.tsx';
import { Notice, SkeletonCards } from '../components/ui.tsx';
import { watch } from '../live.ts';
import { remember } from '../store.ts';
import type { FeedPage, Performance } from '../types.ts';

const SORTS: { sort: FeedSort; label: string }[] = [
  { sort: 'recent', label: 'Recent' },
  { sort: 'top', label: 'Top' },
  { sort: 'trending', label: 'Trending' },
];

/** Whether the server ranks by trending (a 400 means it does not yet); asked once, after the first paint. */
let trendingProbe: Promise<boolean> | undefined;
function hasTrending(): Promise<boolean> {
  trendingProbe ??= fetchFeed('trending', null, 1).then(
    () => true,
    (error: unknown) => !(error instanceof ApiError && error.status === 400),
  );
  return trendingProbe;
}

interface FeedState {
  items: Performance[];
  cursor: string | null;
  loading: boolean;
  error: string | null;
}

function fromPage(page: FeedPage | undefined): FeedState {
  if (page === undefined) return { items: [], cursor: null, loading: true, error: null };
  remember(page.items);
  return { items: page.items, cursor: page.nextCursor, loading: false, error: null };
}

/** The feed: recent, top (and trending when the server has it); pages on the keyset cursor as the end scrolls into
 * view; every card's counts and price stay live through the stream. */
export function Feed() {
  const [sort, setSort] = useState<FeedSort>('recent');
  const [trending, setTrending] = useState(false);
  const [state, setState] = useState<FeedState>(() => fromPage(takeInitial<FeedPage>(feedKey('recent'))));
  const sentinel = useRef<HTMLDivElement>(null);
  const generation = useRef(0);

  const load = (which: FeedSort, cursor: string | null, previous: Performance[]) => {
    const mine = generation.current;
    setState({ items: previous, cursor, loading: true, error: null });
    fetchFeed(which, cursor).then(
      (page) => {
        if (mine !== generation.current) return;
        remember(page.items);
        const seen = new Set(previous.map((p) => p.castHash));
        const items = [...previous, ...page.items.filter((p) => !seen.has(p.castHash))];
        setState({ items, cursor: page.nextCursor, loading: false, error: null });
      },
      (error: unknown) => {
        if (mine !== generation.current) return;
        const message = error instanceof ApiError ? error.message : 'The feed could not be loaded';
        setState({ items: previous, cursor, loading: false, error: message });
      },
    );
  };

  useEffect(() => {
    if (state.loading && state.items.length === 0) load(sort, null, []);
    void hasTrending().then(setTrending);
  }, []);

  const choose = (next: FeedSort) => {
    if (next === sort) return;
    generation.current += 1;
    setSort(next);
    load(next, null, []);
  };

  useEffect(() => {
    const element = sentinel.current;
    if (element === null || state.cursor === null || state.loading || state.error !== null) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) load(sort, state.cursor, state.items);
      },
      { rootMargin: '400px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [state.cursor, state.loading, state.error, sort]);

  const hashes = state.items.map((p) => p.castHash).join(',');
  useEffect(() => {
    if (hashes === '') return;
    const coins = state.items.flatMap((p) => (p.coin ? [p.coin.address] : []));
    return watch({ performances: hashes.split(','), coins });
  }, [hashes]);

  return (
    <section aria-labelledby="feed-heading">
      <h1 id="feed-heading" class="sr-only">
        Performances
      </h1>
      <div class="tabs" role="tablist" aria-label="Sort performances">
        {SORTS.filter((s) => s.sort !== 'trending' || trending).map((s) => (
          <button
            key={s.sort}
            type="button"
            role="tab"
            aria-selected={s.sort === sort}
            class={s.sort === sort ? 'tab active' : 'tab'}
            onClick={() => choose(s.sort)}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div class="list" role="feed" aria-busy={state.loading}>
        {state.items.map((item) => (
          <PerformanceCard key={item.castHash} item={item} />
        ))}
        {state.loading && <SkeletonCards count={state.items.length === 0 ? 4 : 2} />}
      </div>
      {!state.loading && state.error === null && state.items.length === 0 && (
        <Notice>No performances yet. Cast one in the channel and it shows up here.</Notice>
      )}
      {state.error !== null && (
        <div class="retry">
          <Notice tone="error">{state.error}</Notice>
          <button type="button" class="button" onClick={() => load(sort, state.cursor, state.items)}>
            Try again
          </button>
        </div>
      )}
      <div ref={sentinel} class="sentinel" aria-hidden="true" />
      {state.cursor === null && state.items.length > 0 && !state.loading && <p class="end">That is everything.</p>}
    </section>
  );
}
