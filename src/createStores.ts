import { createFrameStore, type FrameStore } from '../frames/createFrameStore.ts';
import { type AnalyticsStore, createAnalyticsStore } from './analytics/createAnalyticsStore.ts';
import { type CoinStore, createCoinStore } from './coins/createCoinStore.ts';
import type { Rpc } from './db/rpc.ts';
import { createJobStore } from './jobs/createJobStore.ts';
import type { JobLeases } from './jobs/job.ts';
import { createMarketStore, type MarketStore } from './market/createMarketStore.ts';
import { createMetricsStore, type MetricsStore } from './metrics/createMetricsStore.ts';
import { createMiniAppStore, type MiniAppStore } from './miniapp/createMiniAppStore.ts';
import { createPerformanceStore, type PerformanceStore } from './performances/createPerformanceStore.ts';
import { createPortfolioStore, type PortfolioStore } from './portfolio/createPortfolioStore.ts';
import { createReconcileStore, type ReconcileStore } from './reconcile/createReconcileStore.ts';
import { createStreamStore, type StreamStore } from './stream/createStreamStore.ts';
import { createTradingStore, type TradingStore } from './trading/createTradingStore.ts';
import { createViralStore, type ViralStore } from './viral/createViralStore.ts';
import { createIngestStore, type IngestStore } from './webhooks/createIngestStore.ts';

/** Every capability's store over one database connection; each consumer takes only the store (or methods) it uses. */
export interface Stores {
  ingest: IngestStore;
  performances: PerformanceStore;
  reconcile: ReconcileStore;
  viral: ViralStore;
  coins: CoinStore;
  frames: FrameStore;
  trading: TradingStore;
  jobs: JobLeases;
  metrics: MetricsStore;
  miniapp: MiniAppStore;
  analytics: AnalyticsStore;
  market: MarketStore;
  portfolio: PortfolioStore;
  stream: StreamStore;
  /** Close the connection under all of them. */
  close(): Promise<void>;
}

/** Build every capability's store over one Rpc adapter (each operation one SQL function, supabase/migrations). */
export function createStores(rpc: Rpc): Stores {
  return {
    ingest: createIngestStore(rpc),
    performances: createPerformanceStore(rpc),
    reconcile: createReconcileStore(rpc),
    viral: createViralStore(rpc),
    coins: createCoinStore(rpc),
    frames: createFrameStore(rpc),
    trading: createTradingStore(rpc),
    jobs: createJobStore(rpc),
    metrics: createMetricsStore(rpc),
    miniapp: createMiniAppStore(rpc),
    analytics: createAnalyticsStore(rpc),
    market: createMarketStore(rpc),
    portfolio: createPortfolioStore(rpc),
    stream: createStreamStore(rpc),
    close: () => rpc.close(),
  };
}
