import { randomBytes } from 'node:crypto';
import { createJsonFarcasterSignature } from '@farcaster/miniapp-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMiniAppServer } from '../src/miniapp/createMiniAppServer.ts';
import { silentLogger } from '../src/support/logger.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { testApp } from './support/testApp.ts';

/** A real JSON Farcaster Signature of `event` by a fresh app key (every key is an active signer here: the attacker
 * registered one for their own fid, which anyone can). */
function signed(fid: number, event: unknown) {
  const privateKey = new Uint8Array(randomBytes(32));
  return createJsonFarcasterSignature({
    fid,
    type: 'app_key',
    privateKey,
    payload: new TextEncoder().encode(JSON.stringify(event)),
  });
}

describe.each(databaseTargets())('attacking POST /webhooks/miniapp on $name', (target) => {
  let db: TestDatabase;
  let post: (body: unknown) => Promise<Response>;
  let rawPost: (body: string) => Promise<Response>;
  let fid = 900;

  beforeAll(async () => {
    db = await target.create();
    const miniApp = createMiniAppServer(
      { publicUrl: 'https://app.example.com', quickAuthOrigin: 'https://auth.example.com', chainId: 8453 },
      { store: db.stores.miniapp, logger: silentLogger, checkSigner: async () => true },
    );
    const app = testApp(db, { miniApp });
    post = async (body) =>
      app.app.request('/webhooks/miniapp', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    rawPost = async (body) =>
      app.app.request('/webhooks/miniapp', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  const stored = async (f: number) =>
    (await db.sql.query<{ n: number }>('select count(*)::int as n from miniapp_subscriptions where fid = $1', [f]))[0]
      ?.n;

  // Found: the host rule compared names as written, so the fully qualified spelling with a trailing dot (which DNS
  // resolves exactly like the name without it) slipped past the localhost / .internal / .local refusal: the
  // notification sender could be pointed at the machine itself or at a cloud metadata service.
  it.each([
    'https://localhost./notify',
    'https://LOCALHOST.:8443/notify',
    'https://api.localhost./notify',
    'https://metadata.google.internal./computeMetadata/v1/',
    'https://printer.local./x',
    'https://router.home./x',
    'https://1.0.0.127.in-addr.arpa./x',
    'https://localhost../x',
  ])('refuses a notification URL naming an internal host with a trailing dot: %s', async (url) => {
    fid += 1;
    const res = await post(signed(fid, { event: 'miniapp_added', notificationDetails: { url, token: 't-1' } }));
    expect(res.status).toBe(400);
    expect(await stored(fid)).toBe(0);
  });

  it('still takes a public https URL, also written with a trailing dot', async () => {
    for (const url of ['https://api.client.example.com/notify', 'https://api.client.example.com./notify']) {
      fid += 1;
      const res = await post(signed(fid, { event: 'miniapp_added', notificationDetails: { url, token: 't-2' } }));
      expect(res.status, await res.clone().text()).toBe(200);
      expect(await stored(fid)).toBe(1);
    }
  });

  // What held: IP literals in every spelling the URL parser normalises, http, credentials and non-URLs.
  it.each([
    'https://2130706433/x',
    'https://2130706433./x',
    'https://0x7f000001/x',
    'https://0177.0.0.1/x',
    'https://127.1/x',
    'https://[::1]/x',
    'https://[::ffff:7f00:1]/x',
    'https://169.254.169.254/latest/meta-data/',
    'http://api.client.example.com/x',
    'https://user:pass@api.client.example.com/x',
    'file:///etc/passwd',
    'https://intranet/x',
  ])('refuses %s', async (url) => {
    fid += 1;
    const res = await post(signed(fid, { event: 'notifications_enabled', notificationDetails: { url, token: 't' } }));
    expect(res.status).toBe(400);
    expect(await stored(fid)).toBe(0);
  });

  // What held: malformed envelopes of every kind are a short 4xx, never a 5xx, and store nothing.
  const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const sig = Buffer.alloc(64, 1).toString('base64url');
  const key = `0x${'ab'.repeat(32)}`;
  const header = (h: unknown) => ({ header: b64(h), payload: b64({ event: 'miniapp_added' }), signature: sig });
  it.each([
    ['not JSON', '{"header":'],
    ['a JSON array', []],
    ['deeply nested JSON', '['.repeat(8000) + ']'.repeat(8000)],
    ['a fid beyond 2^53', header({ fid: 2 ** 53 + 2, type: 'app_key', key })],
    ['a fid of 1e308', header({ fid: 1e308, type: 'app_key', key })],
    ['a negative fid', header({ fid: -1, type: 'app_key', key })],
    ['a custody-type header', header({ fid: 1, type: 'custody', key })],
    ['a header that is base64 of garbage', { header: b64('\u0000\xff'), payload: b64({}), signature: sig }],
    ['padding in the middle', { header: 'ab=cd', payload: b64({}), signature: sig }],
    ['a 63-byte signature', { ...header({ fid: 1, type: 'app_key', key }), signature: b64('x'.repeat(63)) }],
    [
      'a payload that is a string',
      { header: b64({ fid: 1, type: 'app_key', key }), payload: b64('"miniapp_added"'), signature: sig },
    ],
    [
      'a timestamp of -1',
      { header: b64({ fid: 1, type: 'app_key', key }), payload: b64({ event: 'x', timestamp: -1 }), signature: sig },
    ],
    ['fields as numbers', { header: 1, payload: 2, signature: 3 }],
  ])('answers %s with a 4xx', async (_, body) => {
    const res = typeof body === 'string' ? await rawPost(body) : await post(body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('answers a correctly signed event with a far-future or absurd timestamp without a 5xx', async () => {
    for (const timestamp of [1e308, Number.MAX_SAFE_INTEGER, 1e-300]) {
      fid += 1;
      const res = await post(
        signed(fid, {
          event: 'miniapp_added',
          notificationDetails: { url: 'https://c.example.com/n', token: 't' },
          timestamp,
        }),
      );
      expect(res.status).toBe(200);
    }
  });
});
