import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { castCreated, castHash, performanceCast, reaction, user } from '../../scripts/neynarPayloads.ts';
import { type NeynarApiStandIn, startNeynarApi } from '../../test/standins/neynarApi.ts';
import { databaseTargets, type TestDatabase } from '../../test/support/databases.ts';
import { deliverToStore } from '../../test/support/deliverToStore.ts';
import type { PerformanceStore } from '../performances/createPerformanceStore.ts';
import type { IngestStore } from '../webhooks/createIngestStore.ts';
import { neynarCastCounts } from './neynarCastCounts.ts';
import {
  type CastCountSource,
  type ReconcileOptions,
  type ReconcileProgress,
  type RetryNotice,
  reconcileMetrics,
} from './reconcileMetrics.ts';

const API_KEY = 'test-neynar-key-0123456789';
const HOUR = 3_600_000;

const artist = user(100);
const fans = [201, 202, 203].map((fid) => user(fid));
const now = Date.now();
/** Five recent performances (sorted by hash, the order reconcile walks them) and one from five days ago. */
const P = [1, 2, 3, 4, 5].map((n) => castHash(n, 'a'));
const OLD = castHash(9, 'a');
const [P1, P2, P3, P4, P5] = P as [string, string, string, string, string];

/** Ours after seeding: P1 2 likes + 1 recast, P2 1 like, P3 1 reply, P4 and P5 nothing, OLD 1 like. */
async function seed(store: Pick<IngestStore, 'ingestDeliveries' | 'applyInbox'>): Promise<void> {
  const at = (minutes: number) => new Date(now - HOUR + minutes * 60_000);
  await deliverToStore(store, [
    ...P.map((hash, i) => performanceCast(hash, artist, at(i))),
    performanceCast(OLD, artist, now - 120 * HOUR),
    reaction({ kind: 'created', type: 1, castHash: P1, reactor: fans[0]!, at: at(10) }),
    reaction({ kind: 'created', type: 1, castHash: P1, reactor: fans[1]!, at: at(11) }),
    reaction({ kind: 'created', type: 2, castHash: P1, reactor: fans[0]!, at: at(12) }),
    reaction({ kind: 'created', type: 1, castHash: P2, reactor: fans[2]!, at: at(13) }),
    castCreated({ hash: castHash(1, 'b'), author: fans[0]!, parentHash: P3, at: at(14) }),
    reaction({ kind: 'created', type: 1, castHash: OLD, reactor: fans[0]!, at: at(15) }),
  ]);
}

/** What the stand-in (Neynar) says: P1 and P5 agree with us, P2 has 4 more likes, P3 differs on every metric,
 * P4 is unknown to Neynar (deleted), OLD differs but is outside the window. */
function neynarKnows(api: NeynarApiStandIn): void {
  api.setCast(P1, { likes: 2, recasts: 1, replies: 0 });
  api.setCast(P2, { likes: 5, recasts: 0, replies: 0 });
  api.setCast(P3, { likes: 7, recasts: 2, replies: 3 });
  api.setCast(P5, { likes: 0, recasts: 0, replies: 0 });
  api.setCast(OLD, { likes: 40, recasts: 0, replies: 0 });
}

interface CorrectionRow {
  cast_hash: string;
  metric: string;
  counted: number;
  reported: number;
  adjust_before: number;
  adjust_after: number;
}

const EXPECTED_CORRECTIONS: CorrectionRow[] = [
  { cast_hash: P2, metric: 'likes', counted: 1, reported: 5, adjust_before: 0, adjust_after: 4 },
  { cast_hash: P3, metric: 'likes', counted: 0, reported: 7, adjust_before: 0, adjust_after: 7 },
  { cast_hash: P3, metric: 'recasts', counted: 0, reported: 2, adjust_before: 0, adjust_after: 2 },
  { cast_hash: P3, metric: 'replies', counted: 1, reported: 3, adjust_before: 0, adjust_after: 2 },
];

async function corrections(db: TestDatabase): Promise<CorrectionRow[]> {
  return db.sql.query<CorrectionRow>(
    `select cast_hash, metric, counted, reported, adjust_before, adjust_after
     from public.metric_corrections order by cast_hash, metric, id`,
  );
}

async function metrics(store: Pick<PerformanceStore, 'getPerformance'>, hash: string) {
  const p = await store.getPerformance(hash);
  if (p === null) throw new Error(`no performance ${hash}`);
  return { likes: p.metrics.likes, recasts: p.metrics.recasts, replies: p.metrics.replies };
}

for (const target of databaseTargets()) {
  describe(`reconcileMetrics (${target.name})`, () => {
    let db: TestDatabase;
    let api: NeynarApiStandIn;
    let source: CastCountSource;
    let sleeps: number[];
    let options: ReconcileOptions;

    beforeEach(async () => {
      db = await target.create();
      api = await startNeynarApi({ apiKey: API_KEY });
      source = neynarCastCounts({ apiKey: API_KEY, baseUrl: api.url });
      sleeps = [];
      options = {
        since: new Date(now - 72 * HOUR),
        batchSize: 2,
        retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 5_000 },
        sleep: async (ms) => void sleeps.push(ms),
      };
      await seed(db.stores.ingest);
      neynarKnows(api);
    });

    afterEach(async () => {
      await api.close();
      await db.close();
    });

    it('records a correction for each metric Neynar disagrees on and makes effective counts match', async () => {
      const summary = await reconcileMetrics(db.stores.reconcile, source, options);

      expect(summary).toEqual({ checked: 4, corrected: 4, missing: [P4], batches: 3, failures: [], dryRun: false });
      expect(await corrections(db)).toEqual(EXPECTED_CORRECTIONS);
      expect(await metrics(db.stores.performances, P1)).toEqual({ likes: 2, recasts: 1, replies: 0 });
      expect(await metrics(db.stores.performances, P2)).toEqual({ likes: 5, recasts: 0, replies: 0 });
      expect(await metrics(db.stores.performances, P3)).toEqual({ likes: 7, recasts: 2, replies: 3 });
      expect(await metrics(db.stores.performances, P4)).toEqual({ likes: 0, recasts: 0, replies: 0 });
      expect(await metrics(db.stores.performances, OLD)).toEqual({ likes: 1, recasts: 0, replies: 0 });
      // The exact counters are untouched: corrections live in *_adjust only.
      expect(await db.stores.ingest.metricDrift()).toEqual([]);
    });

    it('is idempotent: a second run finds nothing to correct', async () => {
      await reconcileMetrics(db.stores.reconcile, source, options);
      const again = await reconcileMetrics(db.stores.reconcile, source, options);

      expect(again).toMatchObject({ checked: 4, corrected: 0, missing: [P4], failures: [] });
      expect(await corrections(db)).toEqual(EXPECTED_CORRECTIONS);
    });

    it('keeps counting webhook events on top of a correction', async () => {
      await reconcileMetrics(db.stores.reconcile, source, options);
      await deliverToStore(db.stores.ingest, [
        reaction({ kind: 'created', type: 1, castHash: P2, reactor: fans[0]!, at: now }),
      ]);
      expect(await metrics(db.stores.performances, P2)).toEqual({ likes: 6, recasts: 0, replies: 0 });

      api.setCast(P2, { likes: 6, recasts: 0, replies: 0 });
      const again = await reconcileMetrics(db.stores.reconcile, source, options);
      expect(again.corrected).toBe(0);
    });

    it('asks Neynar one page of batchSize casts at a time, in hash order, with the API key', async () => {
      await reconcileMetrics(db.stores.reconcile, source, options);

      expect(api.requests.map((r) => r.casts)).toEqual([[P1, P2], [P3, P4], [P5]]);
      for (const r of api.requests) {
        expect(r.method).toBe('GET');
        expect(r.pathname).toBe('/v2/farcaster/casts/');
        expect(r.headers['x-api-key']).toBe(API_KEY);
        expect(r.status).toBe(200);
      }
      expect(api.requests[0]?.url).toBe(`/v2/farcaster/casts/?casts=${P1}%2C${P2}`);
      expect(api.requests.flatMap((r) => r.casts)).not.toContain(OLD);
    });

    it('walks every candidate when the count is an exact multiple of batchSize', async () => {
      const summary = await reconcileMetrics(db.stores.reconcile, source, { ...options, batchSize: 5 });

      expect(summary).toMatchObject({ checked: 4, corrected: 4, batches: 1 });
      expect(api.requests.map((r) => r.casts)).toEqual([[P1, P2, P3, P4, P5]]);
    });

    it('includes older performances when since reaches back far enough', async () => {
      const summary = await reconcileMetrics(db.stores.reconcile, source, {
        ...options,
        since: new Date(now - 200 * HOUR),
      });

      expect(summary.checked).toBe(5);
      expect(await metrics(db.stores.performances, OLD)).toEqual({ likes: 40, recasts: 0, replies: 0 });
    });

    it('retries 429 and 5xx with exponential backoff, honouring Retry-After', async () => {
      api.failNext({ status: 429, headers: { 'retry-after': '2' } }, { status: 503 });

      const notices: RetryNotice[] = [];

      const summary = await reconcileMetrics(db.stores.reconcile, source, {
        ...options,
        retry: { attempts: 3, baseDelayMs: 100 },
        onRetry: (n) => notices.push(n),
      });

      expect(summary).toMatchObject({ checked: 4, corrected: 4, failures: [] });
      expect(api.requests.map((r) => r.status)).toEqual([429, 503, 200, 200, 200]);
      expect(api.requests.slice(0, 3).map((r) => r.casts)).toEqual([
        [P1, P2],
        [P1, P2],
        [P1, P2],
      ]);
      // First wait: Retry-After (2 s) beats the 100 ms backoff; second: 200 ms, doubled.
      expect(sleeps).toEqual([2_000, 200]);
      expect(notices).toEqual([
        { batch: 1, attempt: 1, delayMs: 2_000, status: 429, message: 'Neynar answered 429: Too Many Requests' },
        { batch: 1, attempt: 2, delayMs: 200, status: 503, message: 'Neynar answered 503: Service Unavailable' },
      ]);
      expect(await corrections(db)).toEqual(EXPECTED_CORRECTIONS);
    });

    it('caps the wait at maxDelayMs', async () => {
      api.failNext({ status: 429, headers: { 'retry-after': '3600' } });

      await reconcileMetrics(db.stores.reconcile, source, {
        ...options,
        retry: { attempts: 2, baseDelayMs: 100, maxDelayMs: 750 },
      });

      expect(sleeps).toEqual([750]);
    });

    it('gives up on a batch after the last attempt, reports it, and goes on with the rest', async () => {
      api.failWhenAsked(P3, { status: 500 });

      const summary = await reconcileMetrics(db.stores.reconcile, source, options);

      expect(summary.failures).toEqual([
        {
          batch: 2,
          castHashes: [P3, P4],
          status: 500,
          message: 'Neynar answered 500: Internal Server Error',
          attempts: 3,
        },
      ]);
      expect(summary).toMatchObject({ checked: 3, corrected: 1, missing: [], batches: 3 });
      expect(api.requests.map((r) => r.casts)).toEqual([[P1, P2], [P3, P4], [P3, P4], [P3, P4], [P5]]);
      expect(sleeps).toEqual([100, 200]);
      expect(await corrections(db)).toEqual(EXPECTED_CORRECTIONS.filter((c) => c.cast_hash === P2));
      expect(await metrics(db.stores.performances, P3)).toEqual({ likes: 0, recasts: 0, replies: 1 });
    });

    it('does not retry a rejected request (401) and reports every batch as failed', async () => {
      const wrongKey = neynarCastCounts({ apiKey: 'not-the-key', baseUrl: api.url });

      const summary = await reconcileMetrics(db.stores.reconcile, wrongKey, options);

      expect(summary.failures.map((f) => [f.batch, f.status, f.attempts])).toEqual([
        [1, 401, 1],
        [2, 401, 1],
        [3, 401, 1],
      ]);
      expect(summary.failures[0]?.message).toMatch(/^Neynar answered 401: /);
      expect(summary).toMatchObject({ checked: 0, corrected: 0 });
      expect(sleeps).toEqual([]);
      expect(await corrections(db)).toEqual([]);
    });

    it('counts a source that throws as a failed batch without retrying it', async () => {
      let calls = 0;
      const broken: CastCountSource = {
        async fetchCounts(hashes) {
          calls++;
          if (hashes.includes(P1)) throw new Error('adapter bug');
          return source.fetchCounts(hashes);
        },
      };

      const summary = await reconcileMetrics(db.stores.reconcile, broken, options);

      expect(calls).toBe(3);
      expect(summary.failures).toEqual([
        { batch: 1, castHashes: [P1, P2], status: null, message: 'adapter bug', attempts: 1 },
      ]);
      expect(summary).toMatchObject({ checked: 2, corrected: 3 });
    });

    it('in a dry run records nothing and counts the corrections a real run would make', async () => {
      const dry = await reconcileMetrics(db.stores.reconcile, source, { ...options, dryRun: true });

      expect(dry).toEqual({ checked: 4, corrected: 4, missing: [P4], batches: 3, failures: [], dryRun: true });
      expect(await corrections(db)).toEqual([]);
      expect(await metrics(db.stores.performances, P3)).toEqual({ likes: 0, recasts: 0, replies: 1 });
      const real = await reconcileMetrics(db.stores.reconcile, source, options);
      expect(real.corrected).toBe(dry.corrected);
    });

    it('reports progress after every batch', async () => {
      const seen: ReconcileProgress[] = [];

      await reconcileMetrics(db.stores.reconcile, source, { ...options, onProgress: (p) => seen.push(p) });

      expect(seen).toEqual([
        { total: 5, processed: 2, checked: 2, corrected: 1, missing: 0, failedBatches: 0, batches: 1 },
        { total: 5, processed: 4, checked: 3, corrected: 4, missing: 1, failedBatches: 0, batches: 2 },
        { total: 5, processed: 5, checked: 4, corrected: 4, missing: 1, failedBatches: 0, batches: 3 },
      ]);
    });

    it('does nothing when no performance is recent enough', async () => {
      const summary = await reconcileMetrics(db.stores.reconcile, source, { ...options, since: new Date(now + HOUR) });

      expect(summary).toEqual({ checked: 0, corrected: 0, missing: [], batches: 0, failures: [], dryRun: false });
      expect(api.requests).toEqual([]);
    });

    it('rejects a batch size outside 1 to 1000', async () => {
      for (const batchSize of [0, 1001, 2.5]) {
        await expect(reconcileMetrics(db.stores.reconcile, source, { ...options, batchSize })).rejects.toThrow(
          RangeError,
        );
      }
      expect(api.requests).toEqual([]);
    });
  });
}

describe('neynarCastCounts', () => {
  let api: NeynarApiStandIn;
  const A = castHash(0xa1, 'f');
  const B = castHash(0xb2, 'f');

  beforeEach(async () => {
    api = await startNeynarApi({ apiKey: API_KEY });
    api.setCast(A, { likes: 3, recasts: 1, replies: 2 });
  });

  afterEach(async () => {
    await api.close();
  });

  it('fetches counts with one bulk request and leaves unknown casts out', async () => {
    // A trailing slash on the base URL must not double the path's slash.
    const source = neynarCastCounts({ apiKey: API_KEY, baseUrl: `${api.url}/` });

    const result = await source.fetchCounts([A.toUpperCase().replace('0X', '0x'), B]);

    expect(result).toEqual({ ok: true, counts: new Map([[A, { likes: 3, recasts: 1, replies: 2 }]]) });
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]?.pathname).toBe('/v2/farcaster/casts/');
    expect(api.requests[0]?.headers['x-api-key']).toBe(API_KEY);
  });

  it('makes no request for no hashes', async () => {
    const source = neynarCastCounts({ apiKey: API_KEY, baseUrl: api.url });

    expect(await source.fetchCounts([])).toEqual({ ok: true, counts: new Map() });
    expect(api.requests).toEqual([]);
  });

  it('classifies failures: 429 and 5xx retryable (with Retry-After), other 4xx not', async () => {
    const source = neynarCastCounts({ apiKey: API_KEY, baseUrl: api.url });
    api.failNext(
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 502 },
      { status: 400, body: { message: 'bad casts', property: 'casts' } },
    );

    expect(await source.fetchCounts([A])).toEqual({
      ok: false,
      retryable: true,
      status: 429,
      message: 'Neynar answered 429: Too Many Requests',
      retryAfterMs: 7_000,
    });
    expect(await source.fetchCounts([A])).toMatchObject({ ok: false, retryable: true, status: 502 });
    expect(await source.fetchCounts([A])).toEqual({
      ok: false,
      retryable: false,
      status: 400,
      message: 'Neynar answered 400: bad casts',
      retryAfterMs: null,
    });
  });

  it('never puts the API key in a failure message', async () => {
    const source = neynarCastCounts({ apiKey: 'wrong-key-9876543210', baseUrl: api.url });

    const result = await source.fetchCounts([A]);

    expect(result).toMatchObject({ ok: false, retryable: false, status: 401 });
    expect(JSON.stringify(result)).not.toContain('wrong-key-9876543210');
  });

  it('treats an unreachable server and a timeout as retryable', async () => {
    const slow = neynarCastCounts({ apiKey: API_KEY, baseUrl: api.url, timeoutMs: 100 });
    api.failNext({ status: 200, delayMs: 2_000 });
    expect(await slow.fetchCounts([A])).toMatchObject({ ok: false, retryable: true, status: null });

    const url = api.url;
    await api.close();
    const gone = neynarCastCounts({ apiKey: API_KEY, baseUrl: url });
    const result = await gone.fetchCounts([A]);
    expect(result).toMatchObject({ ok: false, retryable: true, status: null });
    api = await startNeynarApi({ apiKey: API_KEY });
  });

  it('rejects a response that does not have the CastsResponse shape', async () => {
    const source = neynarCastCounts({ apiKey: API_KEY, baseUrl: api.url });
    api.failNext({ status: 200, body: { casts: [] } });

    expect(await source.fetchCounts([A])).toMatchObject({ ok: false, retryable: false, status: 200 });
  });
});
