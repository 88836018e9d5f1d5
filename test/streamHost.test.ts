import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash, performanceCast, reaction, user } from '../scripts/neynarPayloads.ts';
import { deliverSigned, freePort, spawnScript, waitHealthy } from '../scripts/support/spawnHost.ts';
import { parsePrometheusText, sampleValue } from './support/parsePrometheusText.ts';
import { openStream } from './support/streamClient.ts';

const SECRET = 'stream-host-webhook-secret-0123456789ab';
const METRICS_TOKEN = 'stream-host-metrics-token-0123456789';

/** The production Node host (src/node.ts, embedded database): a stream fed by the real ingest path, counted in
 * /metrics, and closed with a reconnect hint on SIGTERM. */
describe('GET /api/stream on the Node host (src/node.ts)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gigavibe-stream-host-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('streams a webhook-applied like, counts it in /metrics, and on SIGTERM sends retry + shutdown and exits 0', async () => {
    const port = await freePort();
    const host = spawnScript('src/node.ts', {
      PORT: String(port),
      DATA_DIR: dataDir,
      NEYNAR_WEBHOOK_SECRET: SECRET,
      METRICS_TOKEN,
      SHUTDOWN_GRACE_SECONDS: '5',
    });
    try {
      await waitHealthy(port, host, 120_000);
      const hash = castHash(31, 'b');
      const client = await openStream(`http://127.0.0.1:${port}/api/stream?performances=${hash}`);
      expect(client.status).toBe(200);
      await client.next('ready');

      expect(await deliverSigned(port, SECRET, [performanceCast(hash, user(8100))])).toEqual([200]);
      expect(JSON.parse((await client.next('metrics', 30_000)).data)).toMatchObject({ castHash: hash });
      await deliverSigned(port, SECRET, [
        reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(8101), at: Date.now() }),
      ]);
      let likes = 0;
      while (likes < 1) {
        likes = (JSON.parse((await client.next('metrics', 30_000)).data) as { metrics: { likes: number } }).metrics
          .likes;
      }

      const scrape = await fetch(`http://127.0.0.1:${port}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      const families = parsePrometheusText(await scrape.text());
      const value = (name: string, labels: Record<string, string> = {}) =>
        sampleValue(families, name, name, labels) ?? sampleValue(families, name.replace(/_total$/, ''), name, labels);
      expect(value('gigavibe_stream_connections')).toBe(1);
      expect(value('gigavibe_stream_events_sent_total', { event: 'metrics' })).toBeGreaterThanOrEqual(2);
      expect(value('gigavibe_stream_events_sent_total', { event: 'ready' })).toBe(1);

      const signalled = Date.now();
      host.child.kill('SIGTERM');
      const shutdown = JSON.parse((await client.next('shutdown', 10_000)).data) as { reconnect: boolean };
      expect(shutdown.reconnect).toBe(true);
      expect(client.retry()).toBeGreaterThan(0);
      await client.ended;
      expect(await host.exited).toBe(0);
      // Streams did not hold the shutdown until the grace period cut them.
      expect(Date.now() - signalled).toBeLessThan(5000);
    } finally {
      if (host.child.exitCode === null) host.child.kill('SIGKILL');
    }
  }, 180_000);
});
