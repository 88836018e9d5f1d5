import type { CastCounts, ReconcileStore } from './createReconcileStore.ts';

/** Engagement counts Neynar reports for one cast. */
export interface ReportedCounts {
  likes: number;
  recasts: number;
  replies: number;
}

/** One fetch of true counts: counts keyed by lowercase cast hash (casts the source does not know are absent), or why
 * it failed. Rate limits and outages are expected, so they are returned rather than thrown. */
export type CastCountsResult =
  | { ok: true; counts: Map<string, ReportedCounts> }
  | {
      ok: false;
      /** True for rate limits, 5xx and network trouble: the same request may succeed later. */
      retryable: boolean;
      /** HTTP status, or null when no response arrived. */
      status: number | null;
      message: string;
      /** How long the source asked us to wait (Retry-After), if it said. */
      retryAfterMs: number | null;
    };

/** Where true counts come from; neynarCastCounts.ts implements it over Neynar's bulk casts endpoint
 * (https://docs.neynar.com/reference/fetch-bulk-casts). */
export interface CastCountSource {
  fetchCounts(castHashes: readonly string[]): Promise<CastCountsResult>;
}

/** Backoff for retryable failures: attempt n waits min(maxDelayMs, max(baseDelayMs * 2^(n-1), Retry-After)). */
export interface RetryPolicy {
  /** Total tries per batch, including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A batch whose counts could not be fetched; its casts were neither checked nor corrected. */
export interface BatchFailure {
  /** 1-based batch number. */
  batch: number;
  castHashes: string[];
  status: number | null;
  message: string;
  attempts: number;
}

/** A batch is about to be retried. */
export interface RetryNotice {
  batch: number;
  /** The attempt that just failed (1-based). */
  attempt: number;
  delayMs: number;
  status: number | null;
  message: string;
}

/** Where a run stands, reported after every batch. */
export interface ReconcileProgress {
  /** Candidates when the run started (grows if new performances appear meanwhile). */
  total: number;
  /** Candidates handled so far: checked, missing or in a failed batch. */
  processed: number;
  checked: number;
  corrected: number;
  missing: number;
  failedBatches: number;
  batches: number;
}

/** How to run: the window, the batch size, dry run, callbacks and backoff. */
export interface ReconcileOptions {
  /** Only performances cast at or after this time. */
  since: Date;
  /** Casts per Neynar request, 1 to MAX_BATCH_SIZE. */
  batchSize: number;
  /** Compare only: record nothing; `corrected` counts the corrections a real run would make. */
  dryRun?: boolean;
  /** Called after every batch. */
  onProgress?: (progress: ReconcileProgress) => void;
  /** Called before each wait to retry a batch. */
  onRetry?: (retry: RetryNotice) => void;
  retry?: Partial<RetryPolicy>;
  /** Waits between retries (tests pass a recorder). */
  sleep?: (ms: number) => Promise<void>;
}

/** What a run did. */
export interface ReconcileSummary {
  /** Casts whose counts Neynar reported and we compared. */
  checked: number;
  /** Metric corrections recorded (dry run: that would be recorded); one cast can need up to three. */
  corrected: number;
  /** Candidates Neynar did not return (deleted, or unknown to it); left unchanged. */
  missing: string[];
  batches: number;
  failures: BatchFailure[];
  dryRun: boolean;
}

/** The largest page `reconcile_candidates` returns, so the largest batch. */
export const MAX_BATCH_SIZE = 1000;

/** Defaults: five tries over about 7.5 s of backoff before a batch is given up. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 10_000 };

const METRICS = ['likes', 'recasts', 'replies'] as const;

function differingMetrics(ours: CastCounts, reported: ReportedCounts): number {
  return METRICS.filter((m) => ours[m] !== reported[m]).length;
}

async function countCandidates(store: ReconcileStore, since: Date): Promise<number> {
  let total = 0;
  let after: string | null = null;
  for (;;) {
    const page = await store.reconcileCandidates(since, after, MAX_BATCH_SIZE);
    total += page.length;
    const last = page.at(-1);
    if (last === undefined || page.length < MAX_BATCH_SIZE) return total;
    after = last.castHash;
  }
}

async function fetchWithRetry(
  source: CastCountSource,
  hashes: readonly string[],
  policy: RetryPolicy,
  sleep: (ms: number) => Promise<void>,
  onRetry: (attempt: number, delayMs: number, failure: { status: number | null; message: string }) => void,
): Promise<{ result: CastCountsResult; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    let result: CastCountsResult;
    try {
      result = await source.fetchCounts(hashes);
    } catch (error) {
      // A thrown error is a defect in the source, not a transient condition: do not hammer it.
      const message = error instanceof Error ? error.message : String(error);
      result = { ok: false, retryable: false, status: null, message, retryAfterMs: null };
    }
    if (result.ok || !result.retryable || attempt >= policy.attempts) return { result, attempts: attempt };
    const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
    const delayMs = Math.min(policy.maxDelayMs, Math.max(backoff, result.retryAfterMs ?? 0));
    onRetry(attempt, delayMs, result);
    await sleep(delayMs);
  }
}

/** Correct drift between our webhook-maintained counters and Neynar's counts for performances cast since
 * `options.since`: walk candidates in keyset pages of `batchSize`, fetch each page's true counts from `source` (retrying
 * rate limits and outages with bounded exponential backoff), and record corrections through
 * `record_metric_corrections`. A batch that still fails is reported in `failures` and the walk goes on.
 * Counts follow Neynar's Cast object: https://docs.neynar.com/reference/fetch-bulk-casts */
export async function reconcileMetrics(
  store: ReconcileStore,
  source: CastCountSource,
  options: ReconcileOptions,
): Promise<ReconcileSummary> {
  const { since, batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new RangeError(`retry.attempts must be a positive integer, got ${policy.attempts}`);
  }
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const dryRun = options.dryRun ?? false;

  const summary: ReconcileSummary = { checked: 0, corrected: 0, missing: [], batches: 0, failures: [], dryRun };
  // One cheap pass over the keyset first, so progress can say "300/1200" rather than an open-ended count.
  let total = await countCandidates(store, since);
  let processed = 0;
  const report = () => {
    total = Math.max(total, processed);
    options.onProgress?.({
      total,
      processed,
      checked: summary.checked,
      corrected: summary.corrected,
      missing: summary.missing.length,
      failedBatches: summary.failures.length,
      batches: summary.batches,
    });
  };

  let after: string | null = null;
  for (;;) {
    const page = await store.reconcileCandidates(since, after, batchSize);
    const last = page.at(-1);
    if (last === undefined) break;
    after = last.castHash;
    summary.batches++;

    const hashes = page.map((c) => c.castHash);
    const batch = summary.batches;
    const { result, attempts } = await fetchWithRetry(source, hashes, policy, sleep, (attempt, delayMs, failure) =>
      options.onRetry?.({ batch, attempt, delayMs, status: failure.status, message: failure.message }),
    );
    if (!result.ok) {
      summary.failures.push({
        batch,
        castHashes: hashes,
        status: result.status,
        message: result.message,
        attempts,
      });
    } else {
      const reports: CastCounts[] = [];
      let wouldCorrect = 0;
      for (const candidate of page) {
        const reported = result.counts.get(candidate.castHash.toLowerCase());
        if (reported === undefined) {
          summary.missing.push(candidate.castHash);
          continue;
        }
        reports.push({
          castHash: candidate.castHash,
          likes: reported.likes,
          recasts: reported.recasts,
          replies: reported.replies,
        });
        wouldCorrect += differingMetrics(candidate, reported);
      }
      if (dryRun || reports.length === 0) {
        summary.checked += reports.length;
        if (dryRun) summary.corrected += wouldCorrect;
      } else {
        const recorded = await store.recordMetricCorrections(reports);
        summary.checked += recorded.checked;
        summary.corrected += recorded.corrected;
      }
    }
    processed += page.length;
    report();
    if (page.length < batchSize) break;
  }
  return summary;
}
