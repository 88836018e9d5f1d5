import { formatCount } from '../format.ts';

export interface ActivityBucket {
  start: string;
  likes: number;
  recasts: number;
  replies: number;
  buys: number;
}

/** Engagement per bucket as bars (likes + recasts + replies), buys marked on top; the tallest bar fills the box. */
export function ActivityChart({ buckets, label }: { buckets: ActivityBucket[]; label: string }) {
  const totals = buckets.map((b) => b.likes + b.recasts + b.replies);
  const max = Math.max(1, ...totals);
  const width = 100 / Math.max(1, buckets.length);
  const sum = totals.reduce((a, b) => a + b, 0);
  return (
    <svg
      class="activity"
      viewBox="0 0 100 40"
      preserveAspectRatio="none"
      role="img"
      aria-label={`${label}: ${formatCount(sum)} engagements`}
    >
      {buckets.map((b, i) => {
        const h = (totals[i]! / max) * 38;
        return (
          <rect
            key={b.start}
            x={i * width + width * 0.15}
            y={40 - h}
            width={width * 0.7}
            height={h}
            class={b.buys > 0 ? 'bought' : ''}
          >
            <title>{`${b.start.slice(0, 10)}: ${totals[i]} engagements, ${b.buys} buys`}</title>
          </rect>
        );
      })}
    </svg>
  );
}
