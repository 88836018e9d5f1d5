import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash, PERFORMANCE_CHANNEL, performanceCast, signed, user } from '../scripts/neynarPayloads.ts';
import { createApp, type GigaVibeApp } from '../src/app.ts';
import { createJobRunner } from '../src/jobs/createJobRunner.ts';
import { createMetrics } from '../src/metrics/createMetrics.ts';
import type { Metrics } from '../src/metrics/metrics.ts';
import { silentLogger } from '../src/support/logger.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { type MetricFamily, parsePrometheusText, sampleValue } from './support/parsePrometheusText.ts';
import { seedJobs } from './support/viralFixtures.ts';

const SECRET = 'metrics-webhook-secret-0123456789abcdef';
const TOKEN = 'metrics-token-0123456789abcdefghij';

const hmac = (body: string) => createHmac('sha512', SECRET).update(body).digest('hex');

describe.each(databaseTargets())('GET /metrics on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let metrics: Metrics;
  let gv: GigaVibeApp;
  const build = (metricsToken: string | undefined, m: Metrics | null = metrics) =>
    createApp(
      { webhookSecrets: [SECRET], performanceChannelUrl: PERFORMANCE_CHANNEL, metricsToken },
      { stores: db.stores, logger: silentLogger, applyMode: 'none', ...(m === null ? {} : { metrics: m }) },
    );
  const post = (body: string, signature: string) =>
    gv.app.request('/webhooks/neynar', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-neynar-signature': signature },
    });
  const scrape = async (): Promise<{ text: string; families: Map<string, MetricFamily> }> => {
    const res = await gv.app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    return { text, families: parsePrometheusText(text) };
  };

  beforeAll(async () => {
    db = await target.create();
    metrics = createMetrics({ snapshot: () => db.stores.metrics.snapshot(), logger: silentLogger });
    gv = build(TOKEN);
    await seedJobs(db, 'b', 2);

    const hash = castHash(1, 'e');
    const cast = await signed(SECRET, performanceCast(hash, user(7000)));
    for (const _ of [1, 2]) {
      const res = await gv.app.request('/webhooks/neynar', { method: 'POST', body: cast.body, headers: cast.headers });
      expect(res.status).toBe(200);
    }
    expect((await post(cast.body, hmac('other'))).status).toBe(401);
    expect((await post('{not json', hmac('{not json'))).status).toBe(400);
    const big = JSON.stringify({ pad: 'x'.repeat(300 * 1024) });
    expect((await post(big, hmac(big))).status).toBe(413);
    expect((await gv.app.request(`/api/performances/${castHash(2, 'e')}`)).status).toBe(404);
    expect((await gv.app.request('/api/performances/not-a-hash')).status).toBe(400);
    expect((await gv.app.request('/no/such/route/12345')).status).toBe(404);

    const runner = createJobRunner(
      [
        { name: 'inbox-drain', everySeconds: 60, run: async () => void (await gv.drainer.drain()) },
        {
          name: 'broken',
          everySeconds: 60,
          run: async () => {
            throw new Error('boom');
          },
        },
      ],
      { logger: silentLogger, leases: db.stores.jobs, metrics },
    );
    await runner.runNow('broken');
    metrics.coinOutcomes([{ kind: 'confirmed' }, { kind: 'waiting' }, { kind: 'waiting' }]);
    metrics.tradesSettled({ confirmed: 1, failed: 0, pending: 2 });
    await runner.stop();
  });
  afterAll(async () => {
    await db.close();
  });

  it('serves a well-formed exposition that counts the traffic it saw', async () => {
    const { families } = await scrape();
    const v = (family: string, name: string, labels?: Record<string, string>) =>
      sampleValue(families, family, name, labels);
    const deliveries = 'gigavibe_webhook_deliveries_total';
    expect(v(deliveries, deliveries, { outcome: 'accepted' })).toBe(1);
    expect(v(deliveries, deliveries, { outcome: 'duplicate' })).toBe(1);
    expect(v(deliveries, deliveries, { outcome: 'unauthorized' })).toBe(1);
    expect(v(deliveries, deliveries, { outcome: 'bad_request' })).toBe(1);
    expect(v(deliveries, deliveries, { outcome: 'too_large' })).toBe(1);
    expect(v('gigavibe_webhook_ack_seconds', 'gigavibe_webhook_ack_seconds_count')).toBe(2);

    const http = 'gigavibe_http_request_duration_seconds';
    const count = (route: string, status: string, method = 'GET') =>
      v(http, `${http}_count`, { method, route, status });
    expect(count('/webhooks/neynar', '2xx', 'POST')).toBe(2);
    expect(count('/webhooks/neynar', '4xx', 'POST')).toBe(3);
    expect(count('/api/performances/:castHash', '4xx')).toBe(2);
    expect(count('unmatched', '4xx')).toBe(1);
    const routes = new Set(families.get(http)?.samples.map((s) => s.labels.route));
    expect([...routes].some((r) => r?.includes('not-a-hash') || r?.includes('12345'))).toBe(false);

    expect(v('gigavibe_job_runs_total', 'gigavibe_job_runs_total', { job: 'broken', result: 'failed' })).toBe(1);
    expect(v('gigavibe_job_failures_total', 'gigavibe_job_failures_total', { job: 'broken' })).toBe(1);
    expect(v('gigavibe_job_lag_seconds', 'gigavibe_job_lag_seconds', { job: 'broken' })).toBeGreaterThanOrEqual(0);
    expect(v('gigavibe_coin_jobs_total', 'gigavibe_coin_jobs_total', { outcome: 'waiting' })).toBe(2);
    expect(v('gigavibe_trades_settled_total', 'gigavibe_trades_settled_total', { status: 'pending' })).toBe(2);

    expect(v('gigavibe_metrics_database_up', 'gigavibe_metrics_database_up')).toBe(1);
    expect(v('gigavibe_inbox_pending_events', 'gigavibe_inbox_pending_events')).toBe(1);
    expect(v('gigavibe_inbox_apply_lag_seconds', 'gigavibe_inbox_apply_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(v('gigavibe_viral_queue_jobs', 'gigavibe_viral_queue_jobs', { status: 'pending' })).toBe(2);
    expect(v('gigavibe_trades', 'gigavibe_trades', { status: 'confirmed' })).toBe(0);
    expect(families.get('process_cpu_user_seconds_total')?.type).toBe('counter');
  });

  it('reads the inbox gauges on every scrape (the drain empties it)', async () => {
    await gv.drainer.drain();
    const { families } = await scrape();
    expect(sampleValue(families, 'gigavibe_inbox_pending_events', 'gigavibe_inbox_pending_events')).toBe(0);
    expect(sampleValue(families, 'gigavibe_inbox_apply_lag_seconds', 'gigavibe_inbox_apply_lag_seconds')).toBe(0);
  });

  it('answers without the database gauges when the database is too slow, within the bound', async () => {
    const slow = createMetrics({
      snapshot: () => new Promise(() => {}),
      snapshotTimeoutMs: 100,
      logger: silentLogger,
    });
    const started = Date.now();
    const res = await build(TOKEN, slow).app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(Date.now() - started).toBeLessThan(1000);
    const families = parsePrometheusText(await res.text());
    expect(sampleValue(families, 'gigavibe_metrics_database_up', 'gigavibe_metrics_database_up')).toBe(0);
    expect(families.get('gigavibe_viral_queue_jobs')?.samples).toEqual([]);
  });

  it('answers 401 without the token, with a wrong one or another scheme', async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, 'Bearer wrong', `Basic ${TOKEN}`, TOKEN]) {
      const res = await gv.app.request('/metrics', authorization ? { headers: { authorization } } : {});
      expect(res.status, String(authorization)).toBe(401);
      expect(await res.text()).not.toContain('gigavibe_');
    }
  });

  it('is not mounted (404) when METRICS_TOKEN is unset or the host has no metrics (Workers)', async () => {
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    expect((await build(undefined).app.request('/metrics', auth)).status).toBe(404);
    expect((await build(TOKEN, null).app.request('/metrics', auth)).status).toBe(404);
  });

  it('shows no secret or environment value', async () => {
    const { text } = await scrape();
    for (const secret of [SECRET, TOKEN, db.url ?? SECRET]) expect(text).not.toContain(secret);
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && value.length >= 16) expect(text, name).not.toContain(value);
    }
  });
});

describe('parsePrometheusText', () => {
  const good = [
    '# HELP a_total A counter.',
    '# TYPE a_total counter',
    'a_total{x="1"} 2',
    '# HELP h A histogram.',
    '# TYPE h histogram',
    'h_bucket{le="0.1"} 1',
    'h_bucket{le="+Inf"} 2',
    'h_sum 0.3',
    'h_count 2',
    '',
  ].join('\n');

  it('reads a well-formed exposition', () => {
    expect(sampleValue(parsePrometheusText(good), 'h', 'h_count')).toBe(2);
  });

  it('refuses malformed output', () => {
    const broken = [
      good.replace('a_total{x="1"} 2', 'a_total{x=1} 2'),
      good.replace('a_total{x="1"} 2', 'a-total 2'),
      good.replace('a_total{x="1"} 2', 'a_total{x="1"} two'),
      good.replace('# TYPE a_total counter\n', ''),
      good.replace('# HELP a_total A counter.\n', ''),
      good.replace('h_bucket{le="0.1"} 1', 'h_bucket{le="0.1"} 3'),
      good.replace('h_bucket{le="+Inf"} 2\n', ''),
      good.replace('h_count 2', 'h_count 5'),
      good.slice(0, -1),
      good.replace('h_sum 0.3', 'h_sum 0.3.1'),
    ];
    for (const text of broken) expect(() => parsePrometheusText(text), text).toThrow();
  });
});
