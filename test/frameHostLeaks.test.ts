import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash, performanceCast, user } from '../scripts/neynarPayloads.ts';
import { createFrameSigner } from '../scripts/support/frameActions.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { type FramesHarness, giveCoin, PUBLIC_URL, startFramesHarness } from './support/framesHarness.ts';
import { testApp } from './support/testApp.ts';

const PERF = castHash(1, 'd') as Hex;
const COINED = castHash(2, 'd') as Hex;
const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** What a host could hand the app as Hono's env: a Worker's bindings, each a secret the attacker wants. */
const BINDINGS = {
  NEYNAR_WEBHOOK_SECRET: 'leak-canary-webhook-secret-9f3a',
  SUPABASE_SERVICE_ROLE_KEY: 'leak-canary-service-role-71bc',
  ADMIN_TOKEN: 'leak-canary-admin-token-0d2e',
  PLATFORM_PRIVATE_KEY: `0x${'ab'.repeat(32)}`,
  HUB_API_KEY: 'leak-canary-hub-key-55aa',
  ZORA_API_KEY: 'leak-canary-zora-key-66bb',
};

/** Header sets an attacker tries: Frog's dev switch in every spelling, forwarded host/proto, HTML preview, browsers. */
const HEADER_SETS: Record<string, string>[] = [
  {},
  { 'x-frog-dev': '1' },
  { 'X-Frog-Dev': 'true' },
  { 'x-frog-dev': '' },
  { 'x-frog-dev': '1', accept: 'text/html' },
  { 'x-frog-dev': '1', 'user-agent': BROWSER_UA },
  { 'x-frog-dev': '1', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
  { 'x-forwarded-host': 'evil.example' },
  { accept: 'text/html', 'user-agent': BROWSER_UA },
];

function expectNoLeak(text: string, where: string) {
  expect(text, where).not.toContain('frog:context');
  expect(text, where).not.toContain('evil.example');
  for (const [name, value] of Object.entries(BINDINGS)) {
    expect(text.includes(value), `${where} leaks ${name}`).toBe(false);
  }
}

describe("frames never echo the host's bindings or Frog's dev context (security regression)", () => {
  let db: TestDatabase;
  let h: FramesHarness;

  beforeAll(async () => {
    const target = databaseTargets()[0];
    if (target === undefined) throw new Error('no database target');
    db = await target.create();
    const app = testApp(db);
    await app.deliver(performanceCast(PERF, user(7300)));
    await app.deliver(performanceCast(COINED, user(7301)));
    await app.drainer.drain();
    await giveCoin(db, COINED, 'LEAK');
    h = await startFramesHarness(db);
  });
  afterAll(async () => {
    await h?.close();
    await db?.close();
  });

  /** A request as a Worker makes it when it hands its bindings to Hono as env (what src/worker.ts no longer does). */
  const request = (path: string, init: RequestInit = {}) =>
    Promise.resolve(h.app.request(`${PUBLIC_URL}${path}`, init, { ...BINDINGS }));

  it('GET of frames, not-found frames and images: no frog:context and no binding for any header combination', async () => {
    const paths = [
      `/frames/performance/${PERF}`,
      `/frames/performance/${COINED}`,
      '/frames/performance/xyz',
      `/frames/performance/${castHash(99, 'd')}`,
    ];
    for (const path of paths) {
      for (const headers of HEADER_SETS) {
        const res = await request(path, { headers });
        const where = `${path} ${JSON.stringify(headers)}`;
        expect([200, 302], where).toContain(res.status);
        expectNoLeak(await res.text(), where);
        for (const [, value] of res.headers) expectNoLeak(value, `${where} (headers)`);
      }
    }
  });

  it('signed POSTs (Refresh, tx, report): no frog:context and no binding with the dev header', async () => {
    const signer = createFrameSigner(7310);
    h.hub.register(7310, signer.signerHex);
    const url = `${PUBLIC_URL}/frames/performance/${COINED}`;
    const castId = { fid: 7301, hash: COINED };
    const posts = [
      { path: `/frames/performance/${COINED}`, sign: { url, buttonIndex: 2, castId } },
      {
        path: `/frames/performance/${COINED}/buy`,
        sign: { url, buttonIndex: 3, castId, address: `0x${'12'.repeat(20)}` as const },
      },
    ];
    for (const post of posts) {
      for (const extra of HEADER_SETS) {
        const signed = await signer.sign(post.sign);
        const res = await request(post.path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...extra },
          body: JSON.stringify(signed.body),
        });
        const where = `POST ${post.path} ${JSON.stringify(extra)}`;
        expect(res.status, where).toBeLessThan(500);
        expectNoLeak(await res.text(), where);
      }
    }
  });

  it('frame pages say which request headers they depend on (Vary), so a shared cache cannot replay a redirect', async () => {
    const page = await request(`/frames/performance/${PERF}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('vary')).toMatch(/accept/i);
    expect(page.headers.get('vary')).toMatch(/user-agent/i);
    const redirect = await request(`/frames/performance/${PERF}`, { headers: { 'user-agent': BROWSER_UA } });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('vary')).toMatch(/user-agent/i);
  });

  it('a forwarded host cannot change the URLs Frog builds or redirect the client', async () => {
    const res = await request(`/frames/performance/${PERF}`, {
      headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`${PUBLIC_URL}/frames/performance/${PERF}`);
    expect(html).not.toContain('evil.example');
  });
});
