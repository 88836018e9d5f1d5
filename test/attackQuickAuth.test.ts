import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type QuickAuthStandIn, startQuickAuthStandIn } from '../scripts/devnet/quickAuthStandIn.ts';
import { createMiniAppServer } from '../src/miniapp/createMiniAppServer.ts';
import { silentLogger } from '../src/support/logger.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { type TestApp, testApp } from './support/testApp.ts';

const DOMAIN = 'app.example.com';

/** GET /api/me through the real app and the real authenticator, with tokens signed by the trusted issuer's own key
 * but claims an attacker would hope slip through (the forged-signature cases live in miniappQuickAuth.test.ts). */
describe('attacking GET /api/me with genuinely signed but unusable tokens', () => {
  let qa: QuickAuthStandIn;
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    qa = await startQuickAuthStandIn();
    const target = databaseTargets()[0];
    if (target === undefined) throw new Error('no database target');
    db = await target.create();
    const miniApp = createMiniAppServer(
      { publicUrl: `https://${DOMAIN}`, quickAuthOrigin: qa.origin, chainId: 8453 },
      { store: db.stores.miniapp, logger: silentLogger },
    );
    app = testApp(db, { miniApp });
  }, 60_000);
  afterAll(async () => {
    await qa.close();
    await db.close();
  });

  const me = (authorization: string) => app.app.request('/api/me', { headers: { authorization } });
  const now = () => Math.floor(Date.now() / 1000);

  it('answers a genuine token (the refusals below are about their claims)', async () => {
    const res = await me(`Bearer ${await qa.issueToken({ fid: 42, domain: DOMAIN })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(((await res.json()) as { fid: number }).fid).toBe(42);
  });

  it.each<[string, () => Promise<string>]>([
    ['not valid yet (nbf in an hour)', () => qa.issueToken({ fid: 42, domain: DOMAIN, claims: { nbf: now() + 3600 } })],
    [
      'an expiry written as a string',
      () => qa.issueToken({ fid: 42, domain: DOMAIN, claims: { exp: `${now() + 600}` } }),
    ],
    ['fid 0', () => qa.issueToken({ fid: 0, domain: DOMAIN })],
    ['a fractional fid', () => qa.issueToken({ fid: 42, domain: DOMAIN, claims: { sub: 42.5 } })],
    ['a fid beyond 2^53', () => qa.issueToken({ fid: 42, domain: DOMAIN, claims: { sub: '9007199254740993' } })],
    ['a fid in hex', () => qa.issueToken({ fid: 42, domain: DOMAIN, claims: { sub: '0x2a' } })],
    ['an array subject', () => qa.issueToken({ fid: 42, domain: DOMAIN, claims: { sub: [42] } })],
    ['our domain as a prefix of another', () => qa.issueToken({ fid: 42, domain: `${DOMAIN}.evil.example` })],
    ['our domain with a port', () => qa.issueToken({ fid: 42, domain: `${DOMAIN}:443` })],
    ['the issuer with a trailing slash', () => qa.issueToken({ fid: 42, domain: DOMAIN, issuer: `${qa.origin}/` })],
  ])('refuses a token with %s: 401, nothing of anyone shown', async (_, make) => {
    const res = await me(`Bearer ${await make()}`);
    expect(res.status).toBe(401);
    expect(Object.keys((await res.json()) as object)).toEqual(['error']);
  });

  it.each([
    ['two tokens in one header', async () => `Bearer ${await qa.issueToken({ fid: 1, domain: DOMAIN })}, Bearer x.y.z`],
    ['a token and a trailing comment', async () => `Bearer ${await qa.issueToken({ fid: 1, domain: DOMAIN })} x`],
    ['Basic credentials', async () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a bare token', async () => qa.issueToken({ fid: 1, domain: DOMAIN })],
  ])('refuses %s with 401', async (_, make) => {
    expect((await me(await make())).status).toBe(401);
  });
});
