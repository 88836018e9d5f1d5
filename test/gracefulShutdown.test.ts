import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash, performanceCast, signed, user } from '../scripts/neynarPayloads.ts';
import { freePort, spawnScript, waitHealthy } from '../scripts/support/spawnHost.ts';

const SECRET = 'shutdown-webhook-secret-0123456789abcdef';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Node host graceful shutdown (src/node.ts)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gigavibe-shutdown-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM finishes a request in progress with 200, refuses new connections and exits 0 in time', async () => {
    const port = await freePort();
    const host = spawnScript('src/node.ts', {
      PORT: String(port),
      DATA_DIR: dataDir,
      NEYNAR_WEBHOOK_SECRET: SECRET,
      SHUTDOWN_GRACE_SECONDS: '5',
    });
    await waitHealthy(port, host, 120_000);

    const delivery = await signed(SECRET, performanceCast(castHash(1, 'f'), user(7100)));
    const body = Buffer.from(delivery.body);
    const slow = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/webhooks/neynar',
      headers: { ...delivery.headers, 'content-length': String(body.length) },
    });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      slow.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      slow.on('error', reject);
    });
    slow.write(body.subarray(0, 10));
    await sleep(200);

    const signalled = Date.now();
    host.child.kill('SIGTERM');
    await sleep(500);
    // The listener is closed: a new connection is refused while the held request is still open.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    expect(host.child.exitCode).toBeNull();

    slow.end(body.subarray(10));
    const { status, text } = await answer;
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ ok: true, duplicate: false, ignored: false });

    expect(await host.exited).toBe(0);
    // Well within SHUTDOWN_GRACE_SECONDS + 15 s: nothing waited for a bound.
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(host.output()).toContain('"shut down"');
  }, 180_000);
});
