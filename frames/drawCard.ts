import type { Card, NotFoundCard, PerformanceCard, TradeCard } from './buildCards.ts';

/** A satori element: the plain `{ type, props }` shape React elements have, without React. */
export interface ImageNode {
  type: string;
  props: { style?: Record<string, string | number>; children?: ImageChild | ImageChild[] };
}
type ImageChild = ImageNode | string;

/** Frame images are 1200x630 (1.91:1, frames v1 default aspect ratio). */
export const IMAGE_WIDTH = 1200;
export const IMAGE_HEIGHT = 630;

/** Bumped whenever the drawing below changes, so every image version (URL and ETag) changes with it. */
export const LAYOUT_VERSION = 1;

const COLORS = {
  background: '#120f24',
  panel: '#1f1a3d',
  text: '#ffffff',
  muted: '#b8b0e0',
  accent: '#c084fc',
  bar: '#3a3361',
  good: '#4ade80',
  bad: '#f87171',
};

function el(type: string, style: Record<string, string | number>, ...children: ImageChild[]): ImageNode {
  return { type, props: { style: { display: 'flex', ...style }, children } };
}

function text(value: string, style: Record<string, string | number>): ImageNode {
  return { type: 'div', props: { style: { display: 'flex', ...style }, children: value } };
}

function frame(fontFamily: string, ...children: ImageChild[]): ImageNode {
  return el(
    'div',
    {
      width: IMAGE_WIDTH,
      height: IMAGE_HEIGHT,
      flexDirection: 'column',
      padding: '48px 56px',
      backgroundColor: COLORS.background,
      color: COLORS.text,
      fontFamily,
      fontSize: 28,
    },
    ...children,
  );
}

function brand(right: string): ImageNode {
  return el(
    'div',
    { justifyContent: 'space-between', width: '100%', fontSize: 24, color: COLORS.accent, letterSpacing: 4 },
    text('GIGAVIBE', { fontWeight: 700 }),
    text(right, { color: COLORS.muted, letterSpacing: 2 }),
  );
}

function titleSize(title: string): number {
  const length = Array.from(title).length;
  if (length <= 24) return 72;
  if (length <= 48) return 58;
  return 44;
}

function metric(value: string, label: string): ImageNode {
  return el(
    'div',
    {
      flexDirection: 'column',
      flexGrow: 1,
      flexBasis: 0,
      marginRight: 16,
      padding: '14px 20px',
      backgroundColor: COLORS.panel,
      borderRadius: 16,
    },
    text(value, { fontSize: 44, fontWeight: 700 }),
    text(label, { fontSize: 20, color: COLORS.muted, letterSpacing: 2 }),
  );
}

function drawPerformance(card: PerformanceCard, fontFamily: string): ImageNode {
  const barWidth = IMAGE_WIDTH - 112;
  return frame(
    fontFamily,
    brand('LIVE PERFORMANCE'),
    text(card.title, { marginTop: 20, fontSize: titleSize(card.title), fontWeight: 700, lineHeight: 1.1 }),
    el(
      'div',
      { marginTop: 12, fontSize: 32, color: COLORS.muted },
      text(`by ${card.artist}`, {}),
      ...(card.handle === null ? [] : [text(card.handle, { marginLeft: 14, color: COLORS.accent })]),
    ),
    el('div', { flexGrow: 1 }),
    el(
      'div',
      { width: barWidth + 16 },
      metric(card.metrics.likes, 'LIKES'),
      metric(card.metrics.recasts, 'RECASTS'),
      metric(card.metrics.replies, 'REPLIES'),
      metric(card.metrics.views, 'VIEWS'),
    ),
    el(
      'div',
      { marginTop: 22, justifyContent: 'space-between', width: barWidth, fontSize: 24 },
      text(card.viral.label, {}),
      text(
        card.coin === null
          ? 'No coin yet'
          : card.coin.price === null
            ? `$${card.coin.symbol}`
            : `$${card.coin.symbol}  ${card.coin.price} ETH`,
        { fontWeight: 700, color: card.coin === null ? COLORS.muted : COLORS.accent },
      ),
    ),
    el(
      'div',
      { marginTop: 10, width: barWidth, height: 18, borderRadius: 9, backgroundColor: COLORS.bar },
      el('div', {
        width: Math.round((barWidth * card.viral.percent) / 100),
        height: 18,
        borderRadius: 9,
        backgroundImage: 'linear-gradient(90deg, #a855f7 0%, #ec4899 100%)',
      }),
    ),
  );
}

const TRADE_STATUS = {
  pending: { headline: 'Buy submitted', note: 'Waiting for the transaction to confirm', color: COLORS.accent },
  confirmed: { headline: 'Buy confirmed', note: 'The coins are in your wallet', color: COLORS.good },
  failed: { headline: 'Buy failed', note: 'The transaction did not go through', color: COLORS.bad },
} as const;

function drawTrade(card: TradeCard, fontFamily: string): ImageNode {
  const status = TRADE_STATUS[card.status];
  return frame(
    fontFamily,
    brand('COIN PURCHASE'),
    text(status.headline, { marginTop: 40, fontSize: 80, fontWeight: 700, color: status.color }),
    text(card.amount === null ? `$${card.symbol}` : `${card.amount} ETH of $${card.symbol}`, {
      marginTop: 16,
      fontSize: 48,
      fontWeight: 700,
    }),
    text(card.title, { marginTop: 16, fontSize: 32, color: COLORS.muted }),
    el('div', { flexGrow: 1 }),
    text(status.note, { fontSize: 28 }),
    text(`tx ${card.tx}`, { marginTop: 8, fontSize: 24, color: COLORS.muted }),
  );
}

function drawNotFound(_card: NotFoundCard, fontFamily: string): ImageNode {
  return frame(
    fontFamily,
    brand('GIGAVIBE'),
    el('div', { flexGrow: 1 }),
    text('Performance not found', { fontSize: 72, fontWeight: 700 }),
    text('It may have been deleted, or the link is wrong.', { marginTop: 16, fontSize: 32, color: COLORS.muted }),
    el('div', { flexGrow: 1 }),
  );
}

/** The element tree of a card (pure); `fontFamily` lists the bundled font names in fallback order. */
export function drawCard(card: Card, fontFamily: string): ImageNode {
  if (card.kind === 'performance') return drawPerformance(card, fontFamily);
  if (card.kind === 'trade') return drawTrade(card, fontFamily);
  return drawNotFound(card, fontFamily);
}
