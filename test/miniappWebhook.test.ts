import { randomBytes } from 'node:crypto';
import { createJsonFarcasterSignature } from '@farcaster/miniapp-node';
import { ed25519 } from '@noble/curves/ed25519';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type HubStandIn, startHubStandIn } from '../scripts/devnet/hubStandIn.ts';
import { createHubSignerCheck } from '../src/farcaster/createHubSignerCheck.ts';
import { createMiniAppServer } from '../src/miniapp/createMiniAppServer.ts';
import { silentLogger } from '../src/support/logger.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { testApp } from './support/testApp.ts';

const PUBLIC_URL = 'https://app.example.com';
const CLIENT_URL = 'https://api.client.example.com/v1/frame-notifications';

interface AppKey {
  privateKey: Uint8Array;
  hex: string;
}

function newAppKey(): AppKey {
  const privateKey = new Uint8Array(randomBytes(32));
  return { privateKey, hex: `0x${Buffer.from(ed25519.getPublicKey(privateKey)).toString('hex')}` };
}

/** A real JSON Farcaster Signature of `event`, signed with the app key. */
function signEvent(fid: number, key: AppKey, event: unknown) {
  return createJsonFarcasterSignature({
    fid,
    type: 'app_key',
    privateKey: key.privateKey,
    payload: new TextEncoder().encode(JSON.stringify(event)),
  });
}

const enabled = (token: string, url = CLIENT_URL) => ({
  event: 'notifications_enabled',
  notificationDetails: { url, token },
});

describe.each(databaseTargets())('POST /webhooks/miniapp on $name', (target) => {
  let hub: HubStandIn;
  let db: TestDatabase;
  let post: (body: unknown, init?: { raw?: string; headers?: Record<string, string> }) => Promise<Response>;
  let me: (fid: number) => Promise<unknown>;
  let key: AppKey;
  // A fid of its own per test: one database for the whole file (creating one costs seconds on PGlite).
  let fid = 500;

  beforeAll(async () => {
    hub = await startHubStandIn();
    db = await target.create();
    const miniApp = createMiniAppServer(
      { publicUrl: PUBLIC_URL, quickAuthOrigin: 'https://auth.example.com', chainId: 8453 },
      {
        store: db.stores.miniapp,
        logger: silentLogger,
        // The frames' own check, over HTTP to a hub in Hubble's wire format.
        checkSigner: createHubSignerCheck({ hubUrl: hub.url, apiKey: undefined, cacheSeconds: 0 }),
        authenticate: async (request) => ({ fid: Number(request.headers.get('x-test-fid')) }),
      },
    );
    const app = testApp(db, { miniApp });
    post = async (body, init = {}) =>
      app.app.request('/webhooks/miniapp', {
        method: 'POST',
        body: init.raw ?? JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...init.headers },
      });
    me = async (f) => (await app.app.request('/api/me', { headers: { 'x-test-fid': String(f) } })).json();
  }, 60_000);
  afterAll(async () => {
    await hub.close();
    await db.close();
  });
  beforeEach(() => {
    fid += 10;
    key = newAppKey();
    hub.register(fid, key.hex);
  });

  const state = async (f = fid) =>
    (await me(f)) as {
      notifications: { enabled: boolean; clients: { added: boolean; notificationsEnabled: boolean }[] };
    };
  const tokens = () =>
    db.sql.query<{ token: string | null; notifications_enabled: boolean; added: boolean }>(
      'select token, notifications_enabled, added from miniapp_subscriptions where fid = $1 order by id',
      [fid],
    );

  it('keeps added, enabled, disabled and removed per (fid, client), shown by GET /api/me', async () => {
    const added = await post(
      signEvent(fid, key, { event: 'miniapp_added', notificationDetails: { url: CLIENT_URL, token: 't1' } }),
    );
    expect(added.status).toBe(200);
    expect(await added.json()).toEqual({ ok: true, applied: true });
    expect((await state()).notifications).toMatchObject({
      enabled: true,
      clients: [{ added: true, notificationsEnabled: true }],
    });

    expect((await post(signEvent(fid, key, { event: 'notifications_disabled' }))).status).toBe(200);
    expect(await tokens()).toEqual([{ token: null, notifications_enabled: false, added: true }]);
    expect((await post(signEvent(fid, key, enabled('t2')))).status).toBe(200);
    expect(await tokens()).toEqual([{ token: 't2', notifications_enabled: true, added: true }]);
    expect((await post(signEvent(fid, key, { event: 'miniapp_removed' }))).status).toBe(200);
    expect(await tokens()).toEqual([{ token: null, notifications_enabled: false, added: false }]);
    expect((await state()).notifications.enabled).toBe(false);
  });

  it('understands the legacy frame_added and frame_removed names', async () => {
    expect(
      (
        await post(
          signEvent(fid, key, { event: 'frame_added', notificationDetails: { url: CLIENT_URL, token: 'legacy' } }),
        )
      ).status,
    ).toBe(200);
    expect(await tokens()).toEqual([{ token: 'legacy', notifications_enabled: true, added: true }]);
    expect((await post(signEvent(fid, key, { event: 'frame_removed' }))).status).toBe(200);
    expect(await tokens()).toEqual([{ token: null, notifications_enabled: false, added: false }]);
  });

  it('is idempotent under replays, and an older event (by its own time) arriving later changes nothing', async () => {
    const body = signEvent(fid, key, enabled('t1'));
    for (let i = 0; i < 3; i++) expect((await post(body)).status).toBe(200);
    expect(await tokens()).toEqual([{ token: 't1', notifications_enabled: true, added: true }]);

    const now = Math.floor(Date.now() / 1000);
    const disabledLater = signEvent(fid, key, { event: 'notifications_disabled', timestamp: now + 10 });
    const enabledEarlier = signEvent(fid, key, { ...enabled('t-old'), timestamp: now - 30 });
    // The later event arrives first (clamped to now: a future time may not outrank what follows).
    expect(await (await post(disabledLater)).json()).toEqual({ ok: true, applied: true });
    expect(await (await post(enabledEarlier)).json()).toEqual({ ok: true, applied: false });
    expect(await tokens()).toEqual([{ token: null, notifications_enabled: false, added: true }]);
  });

  // Replays: the signed payload has no time or nonce (and Ed25519 is deterministic), so a captured delivery is byte for
  // byte what the client sent. A token that stopped being live is retired, and an enabling event naming it is a replay.
  it('refuses a captured notifications_enabled replayed after the user disabled notifications', async () => {
    const captured = signEvent(fid, key, enabled('t1'));
    expect(await (await post(captured)).json()).toEqual({ ok: true, applied: true });
    expect((await post(signEvent(fid, key, { event: 'notifications_disabled' }))).status).toBe(200);
    const replay = await post(captured);
    // 200: a client that gets anything else retries; nothing changed.
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ ok: true, applied: false });
    expect(await tokens()).toEqual([{ token: null, notifications_enabled: false, added: true }]);
    expect((await state()).notifications.enabled).toBe(false);
    // The user enabling again: the client hands out a new token, which is taken.
    expect(await (await post(signEvent(fid, key, enabled('t2')))).json()).toEqual({ ok: true, applied: true });
    expect(await tokens()).toEqual([{ token: 't2', notifications_enabled: true, added: true }]);
    // A client's redelivery of the live event is still idempotent.
    expect(await (await post(signEvent(fid, key, enabled('t2')))).json()).toEqual({ ok: true, applied: true });
  });

  it('refuses a captured miniapp_added (with its token) replayed after the app was removed', async () => {
    const captured = signEvent(fid, key, {
      event: 'miniapp_added',
      notificationDetails: { url: CLIENT_URL, token: 'added-t' },
    });
    expect((await post(captured)).status).toBe(200);
    expect((await post(signEvent(fid, key, { event: 'miniapp_removed' }))).status).toBe(200);
    expect(await (await post(captured)).json()).toEqual({ ok: true, applied: false });
    expect(await tokens()).toEqual([{ token: null, notifications_enabled: false, added: false }]);
  });

  it('refuses an old token replayed after the client replaced it, and after another key took the URL over', async () => {
    const first = signEvent(fid, key, enabled('gen-1'));
    await post(first);
    await post(signEvent(fid, key, enabled('gen-2')));
    expect(await (await post(first)).json()).toEqual({ ok: true, applied: false });
    expect(await tokens()).toEqual([{ token: 'gen-2', notifications_enabled: true, added: true }]);
    // The user's client rotated its app key; the old key's captured event must not take the URL back.
    const rotated = newAppKey();
    hub.register(fid, rotated.hex);
    await post(signEvent(fid, rotated, enabled('gen-3')));
    expect(await (await post(signEvent(fid, key, enabled('gen-2')))).json()).toEqual({ ok: true, applied: false });
    expect(await tokens()).toEqual([
      { token: null, notifications_enabled: false, added: true },
      { token: 'gen-3', notifications_enabled: true, added: true },
    ]);
  });

  it('keeps only a digest of retired tokens, at most 200 per fid', async () => {
    await post(signEvent(fid, key, enabled('secret-token-1')));
    await post(signEvent(fid, key, { event: 'notifications_disabled' }));
    const rows = await db.sql.query<{ digest: string; reason: string }>(
      `select encode(token_digest, 'hex') as digest, reason from miniapp_retired_tokens where fid = $1`,
      [fid],
    );
    const expected = (await import('node:crypto')).createHash('sha256').update('secret-token-1').digest('hex');
    expect(rows).toEqual([{ digest: expected, reason: 'notifications_disabled' }]);
    await db.sql.query(`select retire_miniapp_token($1, $2, 'bulk-' || g, 'replaced') from generate_series(1, 205) g`, [
      fid,
      CLIENT_URL,
    ]);
    const [count] = await db.sql.query<{ n: number }>(
      'select count(*)::int as n from miniapp_retired_tokens where fid = $1',
      [fid],
    );
    expect(count?.n).toBe(200);
  });

  it('lets a new key of the same client take over its notification URL (one live token per fid and URL)', async () => {
    await post(signEvent(fid, key, enabled('old')));
    const rotated = newAppKey();
    hub.register(fid, rotated.hex);
    await post(signEvent(fid, rotated, enabled('new')));
    expect(await tokens()).toEqual([
      { token: null, notifications_enabled: false, added: true },
      { token: 'new', notifications_enabled: true, added: true },
    ]);
  });

  it('refuses a forged signature, a key of another fid, an unregistered key and a revoked key with 401', async () => {
    const genuine = signEvent(fid, key, enabled('t1'));
    const other = signEvent(fid, newAppKey(), enabled('t1'));
    const flipped = Buffer.from(genuine.signature, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const forgedPayload = Buffer.from(JSON.stringify(enabled('attacker'))).toString('base64url');
    const cases: [string, unknown][] = [
      ['a flipped signature byte', { ...genuine, signature: flipped.toString('base64url') }],
      ['a payload swapped under a genuine signature', { ...genuine, payload: forgedPayload }],
      ['another key claiming the key in the header', { ...genuine, signature: other.signature }],
      ['a genuine signature by an unregistered key', other],
    ];
    // The victim's key signs nothing here; an event for fid 502 signed with fid 501's key:
    cases.push(['a registered key of another fid', signEvent(fid + 1, key, enabled('t1'))]);
    for (const [name, body] of cases) {
      const res = await post(body);
      expect(res.status, name).toBe(401);
    }
    hub.revoke(fid, key.hex);
    expect((await post(genuine)).status).toBe(401);
    expect(await tokens()).toEqual([]);
  });

  it('answers 400 to malformed bodies and events, 413 to huge ones, and stores nothing', async () => {
    const good = signEvent(fid, key, enabled('t1'));
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const malformed: [string, unknown, string?][] = [
      ['not JSON', null, '{"header":'],
      ['an array', []],
      ['missing signature', { header: good.header, payload: good.payload }],
      ['numbers instead of strings', { header: 1, payload: 2, signature: 3 }],
      ['a header that is not base64url JSON', { ...good, header: 'not json!' }],
      ['a custody header', { ...good, header: b64({ fid, type: 'custody', key: key.hex }) }],
      ['a short key', { ...good, header: b64({ fid, type: 'app_key', key: '0x1234' }) }],
      ['a signature of 63 bytes', { ...good, signature: Buffer.alloc(63).toString('base64url') }],
      ['a payload that is not JSON', { ...good, payload: b64('nope') }],
    ];
    for (const [name, body, raw] of malformed) {
      const res = await post(body, raw === undefined ? {} : { raw });
      expect(res.status, name).toBe(400);
      expect(await res.json()).toEqual({ error: expect.any(String) });
    }
    // Genuinely signed, but not an event we know, or missing its details, or pointing our sender somewhere internal.
    for (const event of [
      { event: 'miniapp_add_rejected' },
      { event: 'notifications_enabled' },
      { event: 'something_else' },
      enabled('t', 'http://169.254.169.254/latest'),
      enabled('t', 'https://10.0.0.5/notify'),
      enabled('t', 'https://metadata.internal/notify'),
      enabled('x'.repeat(1025)),
    ]) {
      expect((await post(signEvent(fid, key, event))).status, JSON.stringify(event).slice(0, 60)).toBe(400);
    }
    const huge = await post(null, { raw: JSON.stringify({ ...good, pad: 'x'.repeat(20_000) }) });
    expect(huge.status).toBe(413);
    expect(await tokens()).toEqual([]);
  });

  it('answers 503 while the hub cannot answer (the client retries), then accepts the same event', async () => {
    const body = signEvent(fid, key, enabled('t1'));
    hub.failWith(500);
    try {
      const res = await post(body);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      hub.failWith(null);
    }
    expect((await post(body)).status).toBe(200);
  });
});

describe('POST /webhooks/miniapp under volume', () => {
  it('answers 429 with Retry-After once a client spends its per-minute budget, before reading the body', async () => {
    const db = await databaseTargets()[0]?.create();
    if (db === undefined) throw new Error('no database');
    try {
      let hubCalls = 0;
      const miniApp = createMiniAppServer(
        { publicUrl: PUBLIC_URL, quickAuthOrigin: 'https://auth.example.com', chainId: 8453 },
        {
          store: db.stores.miniapp,
          logger: silentLogger,
          checkSigner: async () => {
            hubCalls++;
            return false;
          },
          clientAddress: () => '203.0.113.7',
        },
      );
      const app = testApp(db, { miniApp });
      const statuses: number[] = [];
      for (let i = 0; i < 200; i++) {
        const body = JSON.stringify(signEvent(1000 + i, newAppKey(), enabled('t')));
        const res = await app.app.request('/webhooks/miniapp', { method: 'POST', body });
        statuses.push(res.status);
        if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // The bucket refills at 2 a second while the loop runs, so a few more than 120 may pass.
      expect(statuses.slice(0, 120).every((s) => s === 401)).toBe(true);
      expect(statuses).toContain(429);
      expect(hubCalls).toBe(statuses.filter((s) => s === 401).length);
    } finally {
      await db.close();
    }
  });
});
