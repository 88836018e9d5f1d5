import type { CoinJobOutcome } from '../coins/coinJob.ts';

/** How a webhook delivery ended, as its answer says (200: accepted, duplicate or ignored; 401; 400; 413; 503). */
export type WebhookOutcome =
  | 'accepted'
  | 'duplicate'
  | 'ignored'
  | 'unauthorized'
  | 'bad_request'
  | 'too_large'
  | 'unavailable';

/** How one run of a background job ended: `skipped` is an exclusive job whose lease another instance holds. */
export type JobRunResult = 'ok' | 'failed' | 'skipped';

/** Trades settled by one run of the trade confirmer (`pending`: looked at and put back for later). */
export interface TradeSettlements {
  confirmed: number;
  failed: number;
  pending: number;
}

/** What the core records; the Node host implements it with prom-client (createMetrics), the Worker has none. Kept
 * free of prom-client so the core (bundled for Workers) never imports it. */
export interface Metrics {
  /** One webhook delivery and the seconds from its arrival to its answer. */
  webhookDelivery(outcome: WebhookOutcome, seconds: number): void;
  /** One HTTP request: its matched route pattern (never the raw URL), method, status and duration. */
  httpRequest(request: { method: string; route: string; status: number; seconds: number }): void;
  /** One run of a background job. */
  jobRun(job: string, result: JobRunResult, seconds: number): void;
  /** Outcomes of one coin worker pass. */
  coinOutcomes(outcomes: readonly Pick<CoinJobOutcome, 'kind'>[]): void;
  /** Settlements of one trade confirmer pass. */
  tradesSettled(run: TradeSettlements): void;
  /** Server-Sent Events streams opened (+1) or ended (-1). */
  streamConnections(delta: number): void;
  /** Stream events written to clients, by event name (a change sent to 1,000 clients counts 1,000). */
  streamEventsSent(event: string, count: number): void;
  /** The exposition (Prometheus text format) and its content type; database gauges are read here. */
  scrape(): Promise<{ contentType: string; body: string }>;
}
