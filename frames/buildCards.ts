import type { Performance } from '../src/performances/types.ts';
import type { Trade } from '../src/trading/types.ts';
import { formatCount, formatDecimal, formatWeiAsEth } from './formatAmounts.ts';

/** Everything a frame image draws, as display strings: the image is a pure function of its card, so the card's
 * hash is the image's version (ETag and URL). Text is already reduced to drawable glyphs. */
export type Card = PerformanceCard | TradeCard | NotFoundCard;

export interface PerformanceCard {
  kind: 'performance';
  title: string;
  artist: string;
  handle: string | null;
  metrics: { likes: string; recasts: string; replies: string; views: string };
  viral: { label: string; percent: number };
  coin: { symbol: string; price: string | null } | null;
}

export interface TradeCard {
  kind: 'trade';
  title: string;
  status: 'pending' | 'confirmed' | 'failed';
  amount: string | null;
  symbol: string;
  tx: string;
}

export interface NotFoundCard {
  kind: 'not_found';
}

/** Reduce user text to drawable glyphs, capped at maxChars (see sanitizeText). */
export type TextCleaner = (text: string, maxChars: number) => string;

export const NOT_FOUND_CARD: NotFoundCard = { kind: 'not_found' };

/** The card of a performance with its coin's spot price (ETH per coin as a decimal string, or null when unknown). */
export function buildPerformanceCard(
  performance: Performance,
  ethPerCoin: string | null,
  clean: TextCleaner,
): PerformanceCard {
  const username = performance.artist.username === null ? '' : clean(performance.artist.username, 40);
  const displayName = performance.artist.displayName === null ? '' : clean(performance.artist.displayName, 48);
  const { score, threshold, status } = performance.viral;
  const percent = threshold > 0 ? Math.max(0, Math.min(100, Math.floor((score / threshold) * 100))) : 0;
  const label =
    status === 'coined'
      ? 'Went viral: coin minted'
      : status === 'queued' || status === 'creating'
        ? 'Went viral: coin on the way'
        : `Viral score ${Math.floor(score)} / ${Math.round(threshold)}`;
  return {
    kind: 'performance',
    title: clean(performance.title, 90) || 'Untitled performance',
    artist: displayName || (username ? `@${username}` : `fid ${performance.artist.fid}`),
    handle: displayName && username ? `@${username}` : null,
    metrics: {
      likes: formatCount(performance.metrics.likes),
      recasts: formatCount(performance.metrics.recasts),
      replies: formatCount(performance.metrics.replies),
      views: formatCount(performance.metrics.views),
    },
    viral: { label, percent: status === 'coined' ? 100 : percent },
    coin:
      performance.coin === null
        ? null
        : {
            symbol: clean(performance.coin.symbol, 16) || 'COIN',
            price: ethPerCoin === null ? null : formatDecimal(ethPerCoin),
          },
  };
}

/** The card of a reported buy: its status, the ETH spent when the quote is known, and a shortened tx hash. */
export function buildTradeCard(
  performance: Performance | null,
  trade: Pick<Trade, 'status' | 'amountInWei' | 'txHash'>,
  clean: TextCleaner,
): TradeCard {
  return {
    kind: 'trade',
    title: performance === null ? 'Performance' : clean(performance.title, 60) || 'Untitled performance',
    status: trade.status,
    amount: trade.amountInWei === null ? null : formatWeiAsEth(BigInt(trade.amountInWei)),
    symbol: performance?.coin ? clean(performance.coin.symbol, 16) || 'COIN' : 'COIN',
    tx: `${trade.txHash.slice(0, 10)}...${trade.txHash.slice(-8)}`,
  };
}
