import type { ComponentChildren } from 'preact';
import { ethPerCoin, formatChange, formatCount, safeUrl } from '../format.ts';
import type { Artist, Coin, Metrics, Viral } from '../types.ts';

const ICONS = {
  likes:
    'M12 21s-7.5-4.6-9.5-9.2C1.1 8.4 3.3 5 6.6 5c2 0 3.5 1.1 4.4 2.6h2C13.9 6.1 15.4 5 17.4 5c3.3 0 5.5 3.4 4.1 6.8C19.5 16.4 12 21 12 21z',
  recasts:
    'M7 7h9l-2.5-2.5L15 3l5 5-5 5-1.5-1.5L16 9H7v3H5V9a2 2 0 0 1 2-2zm10 10H8l2.5 2.5L9 21l-5-5 5-5 1.5 1.5L8 15h9v-3h2v3a2 2 0 0 1-2 2z',
  replies: 'M4 4h16a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H9l-5 4v-4H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1z',
  views: 'M12 5c5 0 9 4.5 10 7-1 2.5-5 7-10 7S3 14.5 2 12c1-2.5 5-7 10-7zm0 3.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7z',
} as const;

export function Icon({ name }: { name: keyof typeof ICONS }) {
  return (
    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
      <path d={ICONS[name]} />
    </svg>
  );
}

const LABELS: Record<keyof Metrics, string> = {
  likes: 'likes',
  recasts: 'recasts',
  replies: 'replies',
  views: 'views',
};

/** Likes, recasts, replies and views in fixed-width figures, so a live change never moves the layout. */
export function Counts({ metrics, size = 'small' }: { metrics: Metrics; size?: 'small' | 'large' }) {
  return (
    <ul class={`counts counts-${size}`}>
      {(Object.keys(LABELS) as (keyof Metrics)[]).map((key) => (
        <li key={key} aria-label={`${metrics[key]} ${LABELS[key]}`} data-metric={key}>
          <Icon name={key} />
          <span class="num">{formatCount(metrics[key])}</span>
        </li>
      ))}
    </ul>
  );
}

/** The viral score against its threshold; a coined performance shows a full bar. */
export function ViralBar({ viral }: { viral: Viral }) {
  const coined = viral.status === 'coined';
  const ratio = coined ? 1 : Math.min(1, viral.threshold > 0 ? viral.score / viral.threshold : 0);
  const percent = Math.round(ratio * 100);
  const label = coined
    ? 'Coined'
    : viral.status !== 'tracking'
      ? statusText(viral.status)
      : ratio >= 1
        ? 'Viral: coin soon'
        : `${percent}% to a coin`;
  return (
    <div class="viral">
      <div
        class="bar"
        role="progressbar"
        aria-label="Progress to a coin"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <span style={{ transform: `scaleX(${ratio})` }} class={coined ? 'full' : ''} />
      </div>
      <span class="viral-label">{label}</span>
    </div>
  );
}

function statusText(status: Viral['status']): string {
  switch (status) {
    case 'queued':
      return 'Viral: coin queued';
    case 'creating':
      return 'Viral: coin launching';
    case 'failed':
      return 'Coin launch failed';
    default:
      return 'Coined';
  }
}

export function Change({ change }: { change: number | string | null | undefined }) {
  const formatted = formatChange(change);
  if (formatted === null) return null;
  return (
    <span class={`change ${formatted.sign > 0 ? 'up' : formatted.sign < 0 ? 'down' : ''}`} title="24 h change">
      {formatted.text}
      {/* Said on screen, not only in the title: beside the chart's change over its own range, a bare percent is
          ambiguous. */}
      <span class="change-window"> 24h</span>
    </span>
  );
}

export function CoinPrice({ coin }: { coin: Coin }) {
  const price = ethPerCoin(coin);
  return (
    <span class="price">
      <b>${coin.symbol}</b> <span class="num">{price === '—' ? 'coin live' : price}</span>{' '}
      <Change change={coin.market?.change24h} />
    </span>
  );
}

export function artistName(artist: Artist | string | null | undefined): string {
  if (artist === null || artist === undefined) return 'unknown artist';
  if (typeof artist === 'string') return artist;
  return artist.displayName ?? (artist.username ? `@${artist.username}` : `fid ${artist.fid}`);
}

export function Avatar({ url, name, size = 32 }: { url: string | null | undefined; name: string; size?: number }) {
  const initial = name.replace(/^@/, '').slice(0, 1).toUpperCase() || '?';
  const src = safeUrl(url);
  // The initial stays underneath: an avatar URL that fails to load is removed and leaves it showing.
  return (
    <span class="avatar" style={{ width: `${size}px`, height: `${size}px` }} aria-hidden="true">
      {initial}
      {src ? (
        <img
          src={src}
          alt=""
          width={size}
          height={size}
          loading="lazy"
          referrerpolicy="no-referrer"
          onError={(event) => event.currentTarget.remove()}
        />
      ) : null}
    </span>
  );
}

export function Notice({ children, tone = 'info' }: { children: ComponentChildren; tone?: 'info' | 'error' }) {
  return (
    <p class={`notice notice-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

export function SkeletonCards({ count = 4 }: { count?: number }) {
  return (
    <div role="status" aria-busy="true" aria-label="Loading">
      {Array.from({ length: count }, (_, i) => (
        <div key={i} class="card skeleton">
          <span class="sk sk-title" />
          <span class="sk sk-line" />
          <span class="sk sk-line short" />
        </div>
      ))}
    </div>
  );
}
