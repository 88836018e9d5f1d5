import { useEffect } from 'preact/hooks';
import { ApiError, boot, fetchPerformance, performanceKey, takeInitial } from '../api.ts';
import { PriceChart } from '../components/PriceChart.tsx';
import { TradePanel } from '../components/TradePanel.tsx';
import { Avatar, artistName, Change, Counts, Notice, ViralBar } from '../components/ui.tsx';
import { maybeInClient, shareCast, viewToken } from '../farcaster.ts';
import { ethPerCoin, formatCount, formatEth, safeUrl } from '../format.ts';
import { useLoad, usePerformance } from '../hooks.ts';
import { watch } from '../live.ts';
import { remember } from '../store.ts';
import type { Performance, Viral } from '../types.ts';

const COMPONENTS: { key: keyof Viral['components']; label: string }[] = [
  { key: 'likes', label: 'Likes' },
  { key: 'recasts', label: 'Recasts' },
  { key: 'replies', label: 'Replies' },
  { key: 'views', label: 'Frame views' },
  { key: 'uniqueEngagers', label: 'Unique engagers' },
];

function ViralExplained({ viral }: { viral: Viral }) {
  const engagers = viral.components.uniqueEngagers.count;
  return (
    <section class="panel" aria-labelledby="viral-heading">
      <h2 id="viral-heading">Viral score</h2>
      <p class="score">
        <span class="num">{viral.score.toFixed(1)}</span> of {viral.threshold} needed
      </p>
      <ViralBar viral={viral} />
      <table class="components">
        <caption class="sr-only">What the score is made of</caption>
        <tbody>
          {COMPONENTS.map(({ key, label }) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              <td class="num">{formatCount(viral.components[key].count)}</td>
              <td class="num">+{viral.components[key].contribution.toFixed(1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="fine">
        Recent engagement counts most: it halves every {viral.halfLifeHours} h. A coin also needs{' '}
        {viral.minUniqueEngagers} different people ({engagers} so far).
      </p>
    </section>
  );
}

function CoinSection({ performance }: { performance: Performance }) {
  const coin = performance.coin!;
  const market = coin.market ?? null;
  const share = `${boot.publicUrl}/p/${performance.castHash}`;
  return (
    <section class="panel" aria-labelledby="coin-heading">
      <h2 id="coin-heading">
        ${coin.symbol} <Change change={market?.change24h} />
      </h2>
      <dl class="stats">
        <div>
          <dt>Price (ETH)</dt>
          <dd class="num">{ethPerCoin(coin).replace(' ETH', '')}</dd>
        </div>
        <div>
          <dt>Market cap (ETH)</dt>
          <dd class="num">{formatEth(market?.marketCapWei, '')}</dd>
        </div>
        <div>
          <dt>Holders</dt>
          <dd class="num">{market?.holders ?? '—'}</dd>
        </div>
      </dl>
      <PriceChart coin={coin.address} version={market?.lastTradeAt ?? ''} />
      <TradePanel castHash={performance.castHash} coin={coin} />
      <div class="actions">
        {maybeInClient && (
          <button type="button" class="button" onClick={() => void viewToken(boot.chainId, coin.address)}>
            View token
          </button>
        )}
        <ShareButton title={performance.title} url={share} />
      </div>
    </section>
  );
}

function ShareButton({ title, url }: { title: string; url: string }) {
  const share = async () => {
    if (maybeInClient) await shareCast(`Listening to “${title}” on GigaVibe`, url);
    else if (navigator.share) await navigator.share({ title, url });
    else await navigator.clipboard?.writeText(url);
  };
  return (
    <button type="button" class="button" onClick={() => void share().catch(() => undefined)}>
      Share
    </button>
  );
}

/** One performance: audio, live counts, the viral score explained, and its coin (price, chart, buy, sell). */
export function PerformanceScreen({ castHash }: { castHash: string }) {
  const initial = takeInitial<Performance>(performanceKey(castHash));
  const load = useLoad(castHash, () => fetchPerformance(castHash), initial);
  useEffect(() => {
    if (load.state === 'ok') remember([load.value]);
  }, [load]);
  const live = usePerformance(castHash);
  const performance = live ?? (load.state === 'ok' ? load.value : undefined);
  const coinAddress = performance?.coin?.address;

  useEffect(
    () => watch({ performances: [castHash], coins: coinAddress ? [coinAddress] : [] }),
    [castHash, coinAddress],
  );

  if (performance === undefined) {
    if (load.state === 'error') {
      const missing = load.error instanceof ApiError && load.error.status === 404;
      return (
        <Notice tone="error">
          {missing ? 'This performance does not exist or was deleted.' : 'It could not be loaded.'}
        </Notice>
      );
    }
    return (
      <div class="performance" role="status" aria-busy="true" aria-label="Loading">
        <div class="sk sk-hero" />
        <div class="sk sk-line" />
        <div class="sk sk-block" />
      </div>
    );
  }
  const name = artistName(performance.artist);
  const audio = safeUrl(performance.audio?.url);
  return (
    <article class="performance">
      <header class="hero">
        <h1 class="title">{performance.title}</h1>
        <a class="artist-link" href={`/app/artist/${performance.artist.fid}`}>
          <Avatar url={performance.artist.pfpUrl} name={name} size={28} />
          <span>{name}</span>
        </a>
      </header>
      {audio ? (
        // biome-ignore lint/a11y/useMediaCaption: a music performance comes with no transcript; its title labels it
        <audio class="player" controls preload="none" src={audio} aria-label={`Play ${performance.title}`}>
          <a href={audio}>Listen</a>
        </audio>
      ) : (
        <Notice>This cast has no audio attached.</Notice>
      )}
      {performance.text && performance.text !== performance.title && <p class="cast-text">{performance.text}</p>}
      <Counts metrics={performance.metrics} size="large" />
      {performance.coin ? <CoinSection performance={performance} /> : null}
      <ViralExplained viral={performance.viral} />
      {!performance.coin && (
        <p class="fine">
          When the score reaches the threshold, this performance gets its own coin, paid out to the artist.
        </p>
      )}
    </article>
  );
}
