import type { TradingStore } from './createTradingStore.ts';

/** How long an unlinked quote is kept: record_pending_trade links only quotes of the last hour; the ten extra minutes
 * cover clock skew between this host and the database. */
export const TRADE_QUOTE_RETENTION_MS = 70 * 60_000;

/** Delete buy quotes no trade links to once they can no longer be linked; answers how many went. Hosts call it where
 * they prune the frame-action replay registry (Node: a timer; Workers: the cron trigger). */
export function pruneTradeQuotes(
  store: Pick<TradingStore, 'pruneTradeQuotes'>,
  now: Date = new Date(),
): Promise<number> {
  return store.pruneTradeQuotes(new Date(now.getTime() - TRADE_QUOTE_RETENTION_MS));
}
