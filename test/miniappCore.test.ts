import { randomBytes } from 'node:crypto';
import { createJsonFarcasterSignature } from '@farcaster/miniapp-node';
import { ed25519 } from '@noble/curves/ed25519';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFrameFonts } from '../frames/loadFrameFonts.ts';
import { type HubStandIn, startHubStandIn } from '../scripts/devnet/hubStandIn.ts';
import { type QuickAuthStandIn, startQuickAuthStandIn } from '../scripts/devnet/quickAuthStandIn.ts';
import { loadConfig } from '../src/config/loadConfig.ts';
import { createGigaVibe, type GigaVibe, type GigaVibeHost } from '../src/createGigaVibe.ts';
import { silentLogger } from '../src/support/logger.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';

/** The mini app as createGigaVibe wires it from configuration: Quick Auth from QUICK_AUTH_ORIGIN, the webhook on the
 * frames' hub signer check (HUB_URL), the manifest and the notification-sender job. */
describe('createGigaVibe mounts the mini app server side', () => {
  let db: TestDatabase;
  let hub: HubStandIn;
  let qa: QuickAuthStandIn;
  let gv: GigaVibe;

  beforeAll(async () => {
    const target = databaseTargets()[0];
    if (target === undefined) throw new Error('no database target');
    db = await target.create();
    hub = await startHubStandIn();
    qa = await startQuickAuthStandIn();
    const host: GigaVibeHost = {
      kind: 'node',
      stores: db.stores,
      logger: silentLogger,
      webhookSecrets: ['miniapp-core-test-secret'],
      applyMode: 'inline',
      writer: {},
      publicUrl: 'https://app.example.com',
      fonts: loadFrameFonts,
      randomSecret: () => 'ab'.repeat(16),
    };
    gv = createGigaVibe(
      loadConfig({ PUBLIC_URL: 'https://app.example.com', HUB_URL: hub.url, QUICK_AUTH_ORIGIN: qa.origin }),
      host,
    );
  }, 60_000);
  afterAll(async () => {
    await qa?.close();
    await hub?.close();
    await db?.close();
  });

  it('runs a notification-sender job and exposes the authenticator', async () => {
    const job = gv.jobs.find((j) => j.name === 'notification-sender');
    expect(job).toBeDefined();
    await job?.run(new AbortController().signal);
    const fid = await gv.miniApp?.authenticate(
      new Request('https://app.example.com/x', {
        headers: { authorization: `Bearer ${await qa.issueToken({ fid: 12, domain: 'app.example.com' })}` },
      }),
    );
    expect(fid).toEqual({ fid: 12 });
  });

  it('serves /api/me, the manifest and a webhook whose app key the hub knows', async () => {
    const token = await qa.issueToken({ fid: 12, domain: 'app.example.com' });
    const me = await gv.app.request('/api/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect((await gv.app.request('/.well-known/farcaster.json')).status).toBe(200);

    const privateKey = new Uint8Array(randomBytes(32));
    hub.register(12, `0x${Buffer.from(ed25519.getPublicKey(privateKey)).toString('hex')}`);
    const body = createJsonFarcasterSignature({
      fid: 12,
      type: 'app_key',
      privateKey,
      payload: new TextEncoder().encode(JSON.stringify({ event: 'miniapp_added' })),
    });
    const res = await gv.app.request('/webhooks/miniapp', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    // Production wiring: a loopback notification URL is refused (only the devnet and tests allow it).
    const local = createJsonFarcasterSignature({
      fid: 12,
      type: 'app_key',
      privateKey,
      payload: new TextEncoder().encode(
        JSON.stringify({
          event: 'notifications_enabled',
          notificationDetails: { url: 'http://127.0.0.1/x', token: 't' },
        }),
      ),
    });
    expect((await gv.app.request('/webhooks/miniapp', { method: 'POST', body: JSON.stringify(local) })).status).toBe(
      400,
    );
  });
});
