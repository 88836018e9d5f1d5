import { useEffect, useState } from 'preact/hooks';
import { fetchFeed } from '../api.ts';
import { PerformanceCard } from '../components/PerformanceCard.tsx';
import { Avatar, artistName, Notice, SkeletonCards } from '../components/ui.tsx';
import { watch } from '../live.ts';
import { remember } from '../store.ts';
import type { Performance } from '../types.ts';

/** Pages of the recent feed read to find an artist's performances (the API has no per-artist listing yet). */
const MAX_PAGES = 10;

async function artistPerformances(fid: number): Promise<Performance[]> {
  const found: Performance[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await fetchFeed('recent', cursor, 100);
    remember(result.items);
    found.push(...result.items.filter((p) => p.artist.fid === fid));
    cursor = result.nextCursor;
    if (cursor === null) break;
  }
  return found;
}

/** An artist's performances, newest first. */
export function Artist({ fid }: { fid: number }) {
  const [items, setItems] = useState<Performance[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setItems(null);
    artistPerformances(fid).then(setItems, () => setFailed(true));
  }, [fid]);
  const hashes = items?.map((p) => p.castHash) ?? [];
  useEffect(() => (hashes.length > 0 ? watch({ performances: hashes }) : undefined), [hashes.join(',')]);
  const artist = items?.[0]?.artist;
  const name = artist ? artistName(artist) : `fid ${fid}`;
  return (
    <section aria-labelledby="artist-heading">
      <header class="artist-head">
        <Avatar url={artist?.pfpUrl} name={name} size={56} />
        <div>
          <h1 id="artist-heading" class="screen-title">
            {name}
          </h1>
          {artist?.username && <p class="fine">@{artist.username}</p>}
        </div>
      </header>
      {failed && <Notice tone="error">This artist’s performances could not be loaded.</Notice>}
      {items === null && !failed && <SkeletonCards count={3} />}
      {items?.length === 0 && <Notice>No performances from this artist yet.</Notice>}
      <div class="list">
        {items?.map((item) => (
          <PerformanceCard key={item.castHash} item={item} />
        ))}
      </div>
    </section>
  );
}
