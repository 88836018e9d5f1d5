import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { errorFields, type Logger } from '../support/logger.ts';
import type { MetricsSnapshot } from './createMetricsStore.ts';
import type { Metrics } from './metrics.ts';

/** Latency buckets in seconds, from a fast webhook ack (a few ms) to a slow frame image render. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Job run buckets: most runs take milliseconds, a coin creation waits for a block. */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300];

export interface MetricsOptions {
  /** The database gauges, read on every scrape (the stores' metrics.snapshot); unset: those gauges are absent. */
  snapshot?: () => Promise<MetricsSnapshot>;
  /** Longest wait for `snapshot` before the scrape answers without it (gigavibe_metrics_database_up 0). */
  snapshotTimeoutMs?: number;
  logger: Logger;
  now?: () => number;
}

/** The Node host's metrics: one prom-client Registry per server (never the global default registry, so two servers
 * in one process, as in tests, do not share counters), the names documented in the README ("Metrics").
 * https://prometheus.io/docs/instrumenting/exposition_formats/ */
export function createMetrics(options: MetricsOptions): Metrics {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const webhookDeliveries = new Counter({
    name: 'gigavibe_webhook_deliveries_total',
    help: 'Neynar webhook deliveries by outcome (accepted, duplicate, ignored, unauthorized, bad_request, too_large, unavailable).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const webhookAck = new Histogram({
    name: 'gigavibe_webhook_ack_seconds',
    help: 'Seconds from a webhook delivery arriving to its 200 acknowledgement (committed to the inbox).',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'gigavibe_http_request_duration_seconds',
    help: 'HTTP request duration by method, matched route pattern and status class.',
    labelNames: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const jobRuns = new Counter({
    name: 'gigavibe_job_runs_total',
    help: 'Background job runs by job and result (ok, failed, skipped: another instance holds the lease).',
    labelNames: ['job', 'result'],
    registers: [registry],
  });
  const jobFailures = new Counter({
    name: 'gigavibe_job_failures_total',
    help: 'Background job runs that threw, by job.',
    labelNames: ['job'],
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'gigavibe_job_duration_seconds',
    help: 'Duration of background job runs that ran (ok or failed), by job.',
    labelNames: ['job'],
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  const lastSuccess = new Map<string, number>();
  new Gauge({
    name: 'gigavibe_job_lag_seconds',
    help: 'Seconds since the job last ran successfully in this process (since its first run if it never has).',
    labelNames: ['job'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [job, at] of lastSuccess) this.set({ job }, Math.max(0, (now() - at) / 1000));
    },
  });
  const coinJobs = new Counter({
    name: 'gigavibe_coin_jobs_total',
    help: 'Coin creation attempts by outcome (confirmed, retry, waiting, failed, lease_lost).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const tradesSettled = new Counter({
    name: 'gigavibe_trades_settled_total',
    help: 'Reported trades looked at by the confirmer, by the status it left them in (confirmed, failed, pending).',
    labelNames: ['status'],
    registers: [registry],
  });

  const streamConnections = new Gauge({
    name: 'gigavibe_stream_connections',
    help: 'Server-Sent Events streams (GET /api/stream) open on this instance.',
    registers: [registry],
  });
  const streamEvents = new Counter({
    name: 'gigavibe_stream_events_sent_total',
    help: 'Stream events written to clients by event (coin, metrics, trade, ready, reset, replay, shutdown).',
    labelNames: ['event'],
    registers: [registry],
  });

  const databaseUp = new Gauge({
    name: 'gigavibe_metrics_database_up',
    help: '1 when the database gauges were read for this scrape, 0 when the database failed or was too slow.',
    registers: [registry],
  });
  const inboxPending = new Gauge({
    name: 'gigavibe_inbox_pending_events',
    help: 'Webhook events committed to the inbox and not applied yet (inbox depth).',
    registers: [registry],
  });
  const inboxFailed = new Gauge({
    name: 'gigavibe_inbox_failed_events',
    help: 'Webhook events that failed to apply (see retry_failed_webhooks).',
    registers: [registry],
  });
  const applyLag = new Gauge({
    name: 'gigavibe_inbox_apply_lag_seconds',
    help: 'Age of the oldest pending inbox event in seconds (0 when none is pending).',
    registers: [registry],
  });
  const viralQueue = new Gauge({
    name: 'gigavibe_viral_queue_jobs',
    help: 'Coin jobs in the viral queue by status (pending, submitting, submitted, confirmed, failed).',
    labelNames: ['status'],
    registers: [registry],
  });
  const trades = new Gauge({
    name: 'gigavibe_trades',
    help: 'Reported trades by status (pending, confirmed, failed).',
    labelNames: ['status'],
    registers: [registry],
  });
  const databaseGauges = [inboxPending, inboxFailed, applyLag, viralQueue, trades];

  const readSnapshot = async (): Promise<MetricsSnapshot | null> => {
    if (options.snapshot === undefined) return null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        options.snapshot(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('metrics snapshot timed out')), options.snapshotTimeoutMs ?? 2000);
        }),
      ]);
    } catch (error) {
      options.logger.warn('metrics: database gauges not read', errorFields(error));
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    webhookDelivery(outcome, seconds) {
      webhookDeliveries.inc({ outcome });
      if (outcome === 'accepted' || outcome === 'duplicate' || outcome === 'ignored') webhookAck.observe(seconds);
    },
    httpRequest({ method, route, status, seconds }) {
      httpDuration.observe({ method, route, status: `${Math.floor(status / 100)}xx` }, seconds);
    },
    jobRun(job, result, seconds) {
      jobRuns.inc({ job, result });
      if (!lastSuccess.has(job) || result === 'ok') lastSuccess.set(job, now());
      if (result === 'skipped') return;
      if (result === 'failed') jobFailures.inc({ job });
      jobDuration.observe({ job }, seconds);
    },
    coinOutcomes(outcomes) {
      for (const outcome of outcomes) coinJobs.inc({ outcome: outcome.kind });
    },
    tradesSettled(run) {
      for (const status of ['confirmed', 'failed', 'pending'] as const) {
        if (run[status] > 0) tradesSettled.inc({ status }, run[status]);
      }
    },
    streamConnections(delta) {
      streamConnections.inc(delta);
    },
    streamEventsSent(event, count) {
      streamEvents.inc({ event }, count);
    },
    async scrape() {
      const snapshot = await readSnapshot();
      // Stale values would look current: without a fresh snapshot the database gauges are left out.
      for (const gauge of databaseGauges) gauge.reset();
      if (options.snapshot !== undefined) databaseUp.set(snapshot === null ? 0 : 1);
      if (snapshot !== null) {
        inboxPending.set(snapshot.inboxPending);
        inboxFailed.set(snapshot.inboxFailed);
        applyLag.set(snapshot.oldestPendingSeconds ?? 0);
        for (const status of ['pending', 'submitting', 'submitted', 'confirmed', 'failed']) {
          viralQueue.set({ status }, snapshot.viralQueue[status] ?? 0);
        }
        for (const status of ['pending', 'confirmed', 'failed']) trades.set({ status }, snapshot.trades[status] ?? 0);
      }
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
