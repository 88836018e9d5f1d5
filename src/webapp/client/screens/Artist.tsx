import { useEffect, useState } from 'preact/hooks';
import { fetchFeed, getJson } from '../api.ts';
import { type ActivityBucket, ActivityChart } from '../components/ActivityChart.tsx';
import { PerformanceCard } from '../components/PerformanceCard.tsx';
import { Avatar, artistName, Notice, SkeletonCards } from '../components/ui.tsx';
import { watch } from '../live.ts';
import { remember } from '../store.ts';
import type { Performance } from '../types.ts';

/** Pages of the artist's feed read (100 performances each). */
const MAX_PAGES = 10;

async function artistPerformances(fid: number): Promise<Performance[]> {
  const found: Performance[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await fetchFeed('recent', cursor, 100, fid);
    remember(result.items);
    found.push(...result.items);
    cursor = result.nextCursor;
    if (cursor === null) break;
  }
  return found;
}

interface ArtistAnalytics {
  buckets: ActivityBucket[];
  totals: { performances?: number; likes?: number; recasts?: number; replies?: number };
}

/** The last 30 days of engagement (`GET /api/artists/:fid/analytics`, day buckets); nothing when the server has none. */
function ArtistActivity({ fid }: { fid: number }) {
  const [analytics, setAnalytics] = useState<ArtistAnalytics | null>(null);
  useEffect(() => {
    getJson<ArtistAnalytics>(`/api/artists/${fid}/analytics?bucket=day`).then(setAnalytics, () => setAnalytics(null));
  }, [fid]);
  if (analytics === null || analytics.buckets.length === 0) return null;
  const t = analytics.totals;
  return (
    <section class="panel" aria-labelledby="activity-heading">
      <h2 id="activity-heading">Engagement</h2>
      <dl class="stats">
        <div>
          <dt>Likes</dt>
          <dd class="num">{t.likes ?? 0}</dd>
        </div>
        <div>
          <dt>Recasts</dt>
          <dd class="num">{t.recasts ?? 0}</dd>
        </div>
        <div>
          <dt>Replies</dt>
          <dd class="num">{t.replies ?? 0}</dd>
        </div>
      </dl>
      <ActivityChart buckets={analytics.buckets} label="Engagement per day" />
    </section>
  );
}

/** An artist's performances, newest first, and their engagement over the last 30 days. */
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
      <ArtistActivity fid={fid} />
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
