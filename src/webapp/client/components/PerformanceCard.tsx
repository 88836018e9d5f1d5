import { usePerformance } from '../hooks.ts';
import type { Performance } from '../types.ts';
import { Avatar, artistName, CoinPrice, Counts, ViralBar } from './ui.tsx';

/** A feed card: title, artist, live counts, progress to a coin, and the coin's price once coined. */
export function PerformanceCard({ item }: { item: Performance }) {
  const performance = usePerformance(item.castHash) ?? item;
  const name = artistName(performance.artist);
  return (
    <article class="card">
      <a class="card-link" href={`/app/p/${performance.castHash}`} aria-label={`${performance.title} by ${name}`}>
        <header class="card-head">
          <Avatar url={performance.artist.pfpUrl} name={name} size={36} />
          <div class="card-titles">
            <h2 class="title">{performance.title}</h2>
            <p class="artist">{name}</p>
          </div>
        </header>
        <Counts metrics={performance.metrics} />
        <div class="card-foot">
          {performance.coin ? <CoinPrice coin={performance.coin} /> : <ViralBar viral={performance.viral} />}
        </div>
      </a>
    </article>
  );
}
