/** Shapes of the JSON API as the client reads them (see the README's HTTP API table). Amounts are decimal strings. */
export interface ViralComponent {
  count: number;
  contribution: number;
}

export interface Viral {
  score: number;
  threshold: number;
  components: Record<'likes' | 'recasts' | 'replies' | 'views' | 'uniqueEngagers', ViralComponent>;
  minUniqueEngagers: number;
  halfLifeHours: number;
  status: 'tracking' | 'queued' | 'creating' | 'coined' | 'failed';
}

/** The coin's live market, kept by the chain indexer (absent until it runs). */
export interface CoinMarket {
  priceWei?: string | null;
  price?: string | null;
  marketCapWei?: string | null;
  volume24hWei?: string | null;
  change24h?: number | string | null;
  holders?: number | null;
  lastTradeAt?: string | null;
}

export interface Coin {
  address: string;
  symbol: string;
  name: string;
  createdAt: string;
  /** ETH per whole coin, read from the pool by the performance route (null when unknown). */
  priceEth?: string | null;
  market?: CoinMarket | null;
}

export interface Artist {
  fid: number;
  username: string | null;
  displayName: string | null;
  pfpUrl: string | null;
}

export interface Metrics {
  likes: number;
  recasts: number;
  replies: number;
  views: number;
}

export interface Performance {
  castHash: string;
  title: string;
  text: string;
  audio: { url: string; mimeType: string | null } | null;
  artist: Artist;
  metrics: Metrics;
  createdAt: string;
  viral: Viral;
  coin: Coin | null;
}

export interface FeedPage {
  items: Performance[];
  nextCursor: string | null;
}

/** One OHLC candle as `GET /api/coins/:address/candles` answers it (wei per whole coin, decimal strings). */
export interface Candle {
  start: string;
  openWei: string;
  highWei: string;
  lowWei: string;
  closeWei: string;
  volumeWei: string;
  trades: number;
}

export interface CoinCandles {
  coinAddress: string;
  interval: string;
  candles: Candle[];
}

export interface PortfolioItem {
  coinAddress: string;
  symbol: string;
  castHash: string;
  title: string;
  artist: string | Artist | null;
  balance: string;
  priceWei: string | null;
  valueWei: string | null;
  costBasisWei: string | null;
  realizedPnlWei: string | null;
  unrealizedPnlWei: string | null;
}

export interface Portfolio {
  addresses: string[];
  blockNumber: string | number;
  totalValueWei: string;
  items: PortfolioItem[];
}

/** What the server puts in the page: its public origin and chain, where Quick Auth signs in, and the first screen's
 * data (so the first paint needs no request). */
export interface Boot {
  publicUrl: string;
  chainId: number;
  quickAuthOrigin: string | null;
  initial: { key: string; data: unknown } | null;
}
