import { getAddress, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castDeleted, castHash, performanceCast, reaction, user, userUpdated } from '../scripts/neynarPayloads.ts';
import {
  createFrameSigner,
  dropData,
  type FrameSigner,
  flipByte,
  forgeDataKeepSignedBytes,
  type SignedFrameAction,
} from '../scripts/support/frameActions.ts';
import { BaseError, UnavailableError } from '../src/errors.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import {
  bytes,
  FAKE_ABI,
  FAKE_CALLDATA,
  FAKE_ROUTER,
  type FramesHarness,
  giveCoin,
  MINI_APP_URL,
  metaMap,
  metaTags,
  PUBLIC_URL,
  pngSize,
  startFramesHarness,
} from './support/framesHarness.ts';
import { metricsOf, type TestApp, testApp } from './support/testApp.ts';

const PERF = castHash(1, 'f') as Hex;
const COINED = castHash(2, 'f') as Hex;
const DELETED = castHash(3, 'f') as Hex;
const VIEWED = castHash(4, 'f') as Hex;
const UNKNOWN = castHash(99, 'f') as Hex;
const BUYER = '0xabababababababababababababababababababab' as const;
const OTHER = '0x1212121212121212121212121212121212121212' as const;
const TX = `0x${'5e'.repeat(32)}` as const;
const BROWSER_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

const frameUrl = (hash: string) => `${PUBLIC_URL}/frames/performance/${hash}`;

/** Check a frame page against the frames v1 rules (at most 4 buttons, URLs and labels within their byte limits, no
 * state on the first frame) and return its tags. */
function expectFrameRules(html: string, options: { initial: boolean }): Map<string, string> {
  const tags = metaMap(html);
  expect(tags.get('fc:frame')).toBe('vNext');
  const image = tags.get('fc:frame:image') ?? '';
  expect(image.startsWith(`${PUBLIC_URL}/frames/`)).toBe(true);
  expect(tags.get('og:image')).toBe(image);
  expect(tags.get('fc:frame:image:aspect_ratio')).toBe('1.91:1');
  const postUrl = tags.get('fc:frame:post_url') ?? '';
  expect(postUrl.startsWith(`${PUBLIC_URL}/frames/`)).toBe(true);
  expect(bytes(postUrl)).toBeLessThanOrEqual(256);

  const indices = metaTags(html)
    .map((t) => /^fc:frame:button:(\d+)$/.exec(t.property)?.[1])
    .filter((i): i is string => i !== undefined)
    .map(Number);
  expect(indices).toEqual(Array.from({ length: indices.length }, (_, i) => i + 1));
  expect(indices.length).toBeLessThanOrEqual(4);
  for (const i of indices) {
    expect(bytes(tags.get(`fc:frame:button:${i}`) ?? '')).toBeGreaterThan(0);
    expect(bytes(tags.get(`fc:frame:button:${i}`) ?? '')).toBeLessThanOrEqual(256);
    const action = tags.get(`fc:frame:button:${i}:action`) ?? 'post';
    expect(['post', 'link', 'tx']).toContain(action);
    for (const key of [`fc:frame:button:${i}:target`, `fc:frame:button:${i}:post_url`]) {
      const url = tags.get(key);
      if (url === undefined) continue;
      expect(bytes(url)).toBeLessThanOrEqual(256);
      expect(url).toMatch(/^https:\/\//);
      if (action !== 'link') expect(url.startsWith(`${PUBLIC_URL}/frames/`)).toBe(true);
    }
    if (action === 'link' || action === 'tx') expect(tags.has(`fc:frame:button:${i}:target`)).toBe(true);
  }
  const input = tags.get('fc:frame:input:text');
  if (input !== undefined) expect(bytes(input)).toBeLessThanOrEqual(32);
  if (options.initial) expect(tags.has('fc:frame:state')).toBe(false);
  else expect(bytes(tags.get('fc:frame:state') ?? '')).toBeLessThanOrEqual(4096);
  return tags;
}

async function expectFrameError(res: Response, status: number, message?: string | RegExp) {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { message?: unknown };
  expect(typeof body.message).toBe('string');
  expect((body.message as string).length).toBeLessThanOrEqual(90);
  if (message !== undefined) expect(body.message).toMatch(message);
}

describe.each(databaseTargets())('performance frames on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let app: TestApp;
  let h: FramesHarness;
  let coinAddress: `0x${string}`;
  const signers = new Map<number, FrameSigner>();

  /** A registered signer for `fid` (one key per fid); fids below 800 have also verified BUYER on the hub. */
  const signerOf = (fid: number): FrameSigner => {
    let signer = signers.get(fid);
    if (signer === undefined) {
      signer = createFrameSigner(fid);
      h.hub.register(fid, signer.signerHex);
      if (fid < 800 || fid === 801 || fid === 802) h.hub.verify(fid, BUYER);
      signers.set(fid, signer);
    }
    return signer;
  };
  const sign = (
    fid: number,
    hash: string,
    options: Partial<Parameters<FrameSigner['sign']>[0]> = {},
  ): Promise<SignedFrameAction> =>
    signerOf(fid).sign({
      url: frameUrl(hash),
      buttonIndex: 2,
      castId: { fid: 7000, hash: hash as `0x${string}` },
      ...options,
    });

  beforeAll(async () => {
    db = await target.create();
    app = testApp(db);
    await app.deliver(performanceCast(PERF, user(7000)));
    await app.deliver(performanceCast(COINED, user(7001)));
    await app.deliver(performanceCast(DELETED, user(7002)));
    await app.deliver(performanceCast(VIEWED, user(7003)));
    await app.deliver(castDeleted(DELETED));
    await app.drainer.drain();
    coinAddress = await giveCoin(db, COINED, 'VIBE');
    h = await startFramesHarness(db);
  });
  afterAll(async () => {
    await h.close();
    await db.close();
  });

  describe('GET /frames/performance/:castHash', () => {
    it('is a frames v1 page: absolute URLs, Listen link and Refresh, no state, no Buy without a coin', async () => {
      const res = await h.request(`/frames/performance/${PERF}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const tags = expectFrameRules(await res.text(), { initial: true });
      const image = tags.get('fc:frame:image') ?? '';
      expect(image.startsWith(`${frameUrl(PERF)}/image/`)).toBe(true);
      expect(image.slice(frameUrl(PERF).length)).toMatch(/^\/image\/[0-9a-f]{16}\.png$/);
      expect(tags.get('fc:frame:post_url')?.startsWith(`${frameUrl(PERF)}?`)).toBe(true);
      expect(tags.get('fc:frame:button:1')).toBe('Listen');
      expect(tags.get('fc:frame:button:1:action')).toBe('link');
      expect(tags.get('fc:frame:button:1:target')).toBe(`https://cdn.example.com/audio/${PERF}.mp3`);
      expect(tags.get('fc:frame:button:2')).toBe('Refresh');
      expect(tags.get('fc:frame:button:2:action')).toBe('post');
      expect(tags.has('fc:frame:button:3')).toBe(false);
      expect(tags.has('fc:frame:input:text')).toBe(false);
    });

    it('adds the amount input and a Buy transaction button once the performance has a coin', async () => {
      const res = await h.request(`/frames/performance/${COINED}`);
      const tags = expectFrameRules(await res.text(), { initial: true });
      expect(tags.get('fc:frame:input:text')).toBe('ETH to spend (default 0.001)');
      expect(tags.get('fc:frame:button:3')).toBe('Buy $VIBE');
      expect(tags.get('fc:frame:button:3:action')).toBe('tx');
      expect(tags.get('fc:frame:button:3:target')).toBe(`${frameUrl(COINED)}/buy`);
      expect(tags.get('fc:frame:button:3:post_url')).toBe(`${frameUrl(COINED)}/bought`);
    });

    it('answers unknown, deleted and malformed hashes with a friendly not-found frame (200)', async () => {
      for (const hash of [UNKNOWN, DELETED, '0x1234', 'not-a-hash', `0x${'g'.repeat(40)}`]) {
        const res = await h.request(`/frames/performance/${hash}`);
        expect(res.status).toBe(200);
        const tags = expectFrameRules(await res.text(), { initial: true });
        expect(tags.get('og:title')).toBe('Performance not found | GigaVibe');
        const image = await h.request(tags.get('fc:frame:image') ?? '');
        expect(image.status).toBe(200);
        expect(pngSize(new Uint8Array(await image.arrayBuffer()))).toEqual({ width: 1200, height: 630 });
      }
      const upper = await h.request(`/frames/performance/0x${PERF.slice(2).toUpperCase()}`);
      const tags = expectFrameRules(await upper.text(), { initial: true });
      expect(tags.get('fc:frame:image')?.startsWith(`${frameUrl(PERF)}/image/`)).toBe(true);
    });

    it('redirects browsers to the mini app with the cast hash, or to the JSON API without one', async () => {
      const res = await h.request(`/frames/performance/${PERF}`, { headers: { 'user-agent': BROWSER_UA } });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`${MINI_APP_URL}?castHash=${PERF}`);
      const missing = await h.request(`/frames/performance/${UNKNOWN}`, { headers: { 'user-agent': BROWSER_UA } });
      expect(missing.status).toBe(302);
      expect(missing.headers.get('location')).toBe(MINI_APP_URL);

      const plain = await startFramesHarness(db, { config: { miniAppUrl: undefined } });
      try {
        const r = await plain.request(`/frames/performance/${PERF}`, { headers: { 'user-agent': BROWSER_UA } });
        expect(r.status).toBe(302);
        expect(r.headers.get('location')).toBe(`${PUBLIC_URL}/api/performances/${PERF}`);
      } finally {
        await plain.close();
      }
    });

    it("serves the frame, not Frog's HTML preview, to a scraper asking for exactly text/html", async () => {
      for (const path of [`/frames/performance/${PERF}`, `/frames/performance/${PERF}?accept=text/html`]) {
        const res = await h.request(path, { headers: { accept: 'text/html' } });
        expect(res.status).toBe(200);
        const html = await res.text();
        expect(html).not.toContain('tailwindcss');
        expectFrameRules(html, { initial: true });
      }
    });

    it('ignores query strings: malformed Frog state is no 500 and never reaches the meta tags', async () => {
      const res = await h.request(
        `/frames/performance/${PERF}?initialPath=%25E0%25A4%25A&previousState=%23O_%7Bbad&previousButtonValues=%23A_evil`,
      );
      expect(res.status).toBe(200);
      const html = await res.text();
      expectFrameRules(html, { initial: true });
      expect(html).not.toMatch(/evil|bad/);
    });

    it("closes Frog's own query-driven image routes", async () => {
      const res = await h.request(`/frames/performance/${PERF}/image?image=x`);
      await expectFrameError(res, 404);
    });
  });

  describe('GET image', () => {
    const currentImage = async (hash: string) => {
      const tags = metaMap(await (await h.request(`/frames/performance/${hash}`)).text());
      const url = tags.get('fc:frame:image') ?? '';
      return { url, version: /\/image\/([0-9a-f]{16})\.png$/.exec(url)?.[1] ?? '' };
    };

    it('is a 1200x630 PNG with ETag = version, immutable, 304 on If-None-Match, then served from the LRU', async () => {
      const { url, version } = await currentImage(PERF);
      const res = await h.request(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('etag')).toBe(`"${version}"`);
      expect(res.headers.get('cache-control')).toMatch(/immutable/);
      expect(res.headers.get('cache-control')).toMatch(/max-age=31536000/);
      const png = new Uint8Array(await res.arrayBuffer());
      expect(pngSize(png)).toEqual({ width: 1200, height: 630 });

      const notModified = await h.request(url, { headers: { 'if-none-match': `"${version}"` } });
      expect(notModified.status).toBe(304);
      expect(notModified.headers.get('etag')).toBe(`"${version}"`);
      expect((await notModified.arrayBuffer()).byteLength).toBe(0);

      const before = h.frames.imageCache.stats();
      const again = await h.request(url);
      expect(new Uint8Array(await again.arrayBuffer())).toEqual(png);
      const after = h.frames.imageCache.stats();
      expect(after.renders).toBe(before.renders);
      expect(after.hits).toBe(before.hits + 1);
    });

    it('answers an outdated version with the current image, briefly cacheable and not immutable', async () => {
      const old = await currentImage(PERF);
      await app.deliver(reaction({ kind: 'created', type: 1, castHash: PERF, reactor: user(9100), at: Date.now() }));
      await app.drainer.drain();
      const current = await currentImage(PERF);
      expect(current.version).not.toBe(old.version);

      const res = await h.request(old.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe(`"${current.version}"`);
      expect(res.headers.get('cache-control')).toBe('public, max-age=60');
      const fresh = await h.request(current.url);
      expect(fresh.headers.get('cache-control')).toMatch(/immutable/);
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(await fresh.arrayBuffer()));
    });

    it('renders one image for concurrent requests of a new version (single flight)', async () => {
      const { url } = await currentImage(COINED);
      const before = h.frames.imageCache.stats();
      const responses = await Promise.all(Array.from({ length: 6 }, () => h.request(url)));
      const bodies = await Promise.all(responses.map(async (r) => new Uint8Array(await r.arrayBuffer())));
      expect(responses.every((r) => r.status === 200)).toBe(true);
      expect(bodies.every((b) => Buffer.from(b).equals(Buffer.from(bodies[0] ?? [])))).toBe(true);
      const after = h.frames.imageCache.stats();
      expect(after.renders - before.renders).toBe(1);
      // Requests that arrive while the render runs join it; on a busy machine a late one finds the cached bytes
      // (joining itself is tested deterministically in frames/createImageCache.test.ts).
      expect(after.joined - before.joined + (after.hits - before.hits)).toBe(5);
    });

    it('refuses image names that are not a version', async () => {
      await expectFrameError(await h.request(`/frames/performance/${PERF}/image/latest.png`), 404);
      await expectFrameError(await h.request(`/frames/performance/nope/image/0123456789abcdef.png`), 404);
    });
  });

  describe('unsigned GET analytics', () => {
    it('are batched into analytics_events (frame, image, browser) without moving the views metric', async () => {
      const views = (await metricsOf(app, VIEWED)).views;
      await h.frames.viewLog.flush();
      const tags = metaMap(await (await h.request(`/frames/performance/${VIEWED}`)).text());
      await h.request(`/frames/performance/${VIEWED}`);
      await h.request(tags.get('fc:frame:image') ?? '');
      await h.request(`/frames/performance/${VIEWED}`, { headers: { 'user-agent': BROWSER_UA } });
      await h.request(`/frames/performance/${UNKNOWN}`);
      expect(h.frames.viewLog.pending()).toBeGreaterThanOrEqual(4);
      await h.frames.viewLog.flush();
      expect(h.frames.viewLog.pending()).toBe(0);
      const rows = await db.sql.query<{ kind: string; n: number }>(
        `select data ->> 'kind' as kind, sum((data ->> 'count')::int)::int as n from analytics_events
         where event_type = 'frame_view' and cast_hash = $1 group by 1 order by 1`,
        [VIEWED],
      );
      expect(rows).toEqual([
        { kind: 'browser', n: 1 },
        { kind: 'frame', n: 2 },
        { kind: 'image', n: 1 },
      ]);
      const unknown = await db.sql.query<{ n: number }>(
        `select count(*)::int as n from analytics_events where event_type = 'frame_view' and cast_hash = $1`,
        [UNKNOWN],
      );
      expect(unknown[0]?.n).toBe(0);
      expect((await metricsOf(app, VIEWED)).views).toBe(views);
    });
  });

  describe('POST refresh (signed)', () => {
    it('counts a verified viewer once per fid and answers the frame with a new image version', async () => {
      const initial = metaMap(await (await h.request(`/frames/performance/${PERF}`)).text());
      const before = (await metricsOf(app, PERF)).views;

      const first = await sign(601, PERF);
      const res = await h.post(`/frames/performance/${PERF}`, first.body);
      expect(res.status).toBe(200);
      const tags = expectFrameRules(await res.text(), { initial: false });
      expect(tags.get('fc:frame:post_url')).toBe(frameUrl(PERF));
      expect(tags.get('fc:frame:image')).not.toBe(initial.get('fc:frame:image'));
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect((await metricsOf(app, PERF)).views).toBe(before + 1);

      expect((await h.post(`/frames/performance/${PERF}`, (await sign(602, PERF)).body)).status).toBe(200);
      expect((await metricsOf(app, PERF)).views).toBe(before + 2);

      const again = await sign(601, PERF, { signedAt: new Date(Date.now() - 2000) });
      expect(again.messageHash).not.toBe(first.messageHash);
      expect((await h.post(`/frames/performance/${PERF}`, again.body)).status).toBe(200);
      expect((await metricsOf(app, PERF)).views).toBe(before + 2);

      const rows = await db.sql.query<{ n: number }>(
        `select count(*)::int as n from frame_actions where cast_hash = $1 and action = 'refresh'`,
        [PERF],
      );
      expect(rows[0]?.n).toBe(3);
    });

    it('refuses a replayed message with 409', async () => {
      const signed = await sign(603, PERF);
      expect((await h.post(`/frames/performance/${PERF}`, signed.body)).status).toBe(200);
      await expectFrameError(
        await h.post(`/frames/performance/${PERF}`, signed.body),
        409,
        'This action was already used; tap again',
      );
    });

    it('refuses wrong origin, stale, tampered, forged, unregistered and unreadable messages with a 4xx {message}', async () => {
      const before = (await metricsOf(app, PERF)).views;
      const valid = await sign(604, PERF);
      const stranger = createFrameSigner(605);
      const cases: [string, unknown, number][] = [
        ['wrong origin', (await sign(604, PERF, { url: `https://evil.example/frames/performance/${PERF}` })).body, 403],
        ['stale', (await sign(604, PERF, { signedAt: new Date(Date.now() - 3_600_000) })).body, 401],
        ['tampered', { ...valid.body, trustedData: { messageBytes: flipByte(valid.messageBytesHex, 40) } }, 401],
        ['forged data', forgeDataKeepSignedBytes(valid, { address: OTHER }).body, 401],
        [
          'unregistered',
          (await stranger.sign({ url: frameUrl(PERF), buttonIndex: 2, castId: { fid: 1, hash: PERF } })).body,
          401,
        ],
        ['data bytes only', dropData(valid).body, 400],
        ['no cast id', (await signerOf(604).sign({ url: frameUrl(PERF), buttonIndex: 2 })).body, 400],
      ];
      for (const [name, body, status] of cases) {
        const res = await h.post(`/frames/performance/${PERF}`, body);
        expect({ name, status: res.status }).toEqual({ name, status });
        await expectFrameError(res, status);
      }
      expect((await metricsOf(app, PERF)).views).toBe(before);
    });

    it('refuses an action signed on another cast frame with 400', async () => {
      const signed = await sign(606, COINED);
      await expectFrameError(
        await h.post(`/frames/performance/${PERF}`, signed.body),
        400,
        'This action was signed for another frame',
      );
    });

    it('ignores untrustedData entirely: garbage state and query strings do not matter', async () => {
      const signed = await sign(607, PERF);
      const body = { ...signed.body, untrustedData: { ...signed.body.untrustedData, state: '%E0%A4%A', fid: 1 } };
      const res = await h.post(`/frames/performance/${PERF}?initialPath=%25&previousButtonValues=%23A__r:x`, body);
      expect(res.status).toBe(200);
      expectFrameRules(await res.text(), { initial: false });
    });
  });

  describe('POST /frames/performance/:castHash/buy (tx)', () => {
    it('answers the frames tx JSON built for the SIGNED address and input, not untrustedData', async () => {
      const signed = await sign(701, COINED, { buttonIndex: 3, inputText: ' 0.25 ', address: BUYER });
      const body = { ...signed.body, untrustedData: { ...signed.body.untrustedData, address: OTHER, inputText: '9' } };
      const res = await h.post(`/frames/performance/${COINED}/buy`, body);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        attribution: false,
        chainId: 'eip155:8453',
        method: 'eth_sendTransaction',
        params: { abi: FAKE_ABI, data: FAKE_CALLDATA, to: FAKE_ROUTER, value: '2000000000000000' },
      });
      expect(h.buys.at(-1)).toEqual({
        castHash: COINED,
        buyer: getAddress(BUYER),
        amountText: '0.25',
        fid: 701,
        source: 'frame',
      });
    });

    it('buys the default amount when the input is empty', async () => {
      const signed = await sign(702, COINED, { buttonIndex: 3, address: BUYER });
      expect((await h.post(`/frames/performance/${COINED}/buy`, signed.body)).status).toBe(200);
      expect(h.buys.at(-1)?.amountText).toBe('0.001');
    });

    it('refuses a message without a connected wallet with 400, before building anything', async () => {
      const count = h.buys.length;
      const signed = await sign(703, COINED, { buttonIndex: 3 });
      const body = { ...signed.body, untrustedData: { ...signed.body.untrustedData, address: BUYER } };
      await expectFrameError(await h.post(`/frames/performance/${COINED}/buy`, body), 400, 'Connect a wallet to buy');
      expect(h.buys.length).toBe(count);
    });

    it("passes the buy builder's typed errors through as 4xx/503 {message}", async () => {
      try {
        h.failBuyWith(new BaseError('Amount must be at most 1 ETH', { status: 422 }));
        const tooMuch = await sign(704, COINED, { buttonIndex: 3, inputText: '5', address: BUYER });
        await expectFrameError(await h.post(`/frames/performance/${COINED}/buy`, tooMuch.body), 422, /at most 1 ETH/);

        h.failBuyWith(new UnavailableError('Quotes are unavailable; try again shortly', undefined, 7));
        const later = await sign(704, COINED, { buttonIndex: 3, address: BUYER });
        const res = await h.post(`/frames/performance/${COINED}/buy`, later.body);
        expect(res.headers.get('retry-after')).toBe('7');
        await expectFrameError(res, 503, /try again/);
      } finally {
        h.failBuyWith(null);
      }
    });
  });

  describe('the signed address must be a verified address of the fid (trade hijack)', () => {
    const VICTIM = '0x7777777777777777777777777777777777777777' as const;
    const SHARED = '0x3333333333333333333333333333333333333333' as const;
    const BRIDGED = '0x4444444444444444444444444444444444444444' as const;
    const trades = async (tx: string) =>
      (await db.sql.query<{ n: number }>('select count(*)::int as n from trades where tx_hash = $1', [tx]))[0]?.n;

    it("refuses a buy transaction built for another fid's wallet with 403, before building anything", async () => {
      h.hub.verify(902, VICTIM);
      const before = h.buys.length;
      const attack = await sign(901, COINED, { buttonIndex: 3, address: VICTIM });
      await expectFrameError(await h.post(`/frames/performance/${COINED}/buy`, attack.body), 403, /not a verified/);
      expect(h.buys).toHaveLength(before);
      const own = await sign(902, COINED, { buttonIndex: 3, address: VICTIM });
      expect((await h.post(`/frames/performance/${COINED}/buy`, own.body)).status).toBe(200);
      expect(h.buys.at(-1)).toMatchObject({ fid: 902, buyer: VICTIM });
    });

    it("refuses a report carrying the victim's address and tx id; the victim's own report gets their fid", async () => {
      const tx = `0x${'a1'.repeat(32)}` as const;
      h.hub.verify(904, VICTIM);
      const attack = await sign(903, COINED, { buttonIndex: 1, transactionId: tx, address: VICTIM });
      await expectFrameError(await h.post(`/frames/performance/${COINED}/bought`, attack.body), 403, /not a verified/);
      expect(await trades(tx)).toBe(0);
      const own = await sign(904, COINED, { buttonIndex: 1, transactionId: tx, address: VICTIM });
      expect((await h.post(`/frames/performance/${COINED}/bought`, own.body)).status).toBe(200);
      expect(await db.stores.trading.getTrade(8453, tx)).toMatchObject({ fid: 904, buyer: VICTIM, status: 'pending' });
    });

    it("keeps the first verified reporter's fid: a second fid reporting the same (tx, buyer) gets 409", async () => {
      const tx = `0x${'a2'.repeat(32)}` as const;
      h.hub.verify(905, SHARED);
      h.hub.verify(906, SHARED);
      const first = await sign(905, COINED, { buttonIndex: 1, transactionId: tx, address: SHARED });
      expect((await h.post(`/frames/performance/${COINED}/bought`, first.body)).status).toBe(200);
      const second = await sign(906, COINED, { buttonIndex: 1, transactionId: tx, address: SHARED });
      const res = await h.post(`/frames/performance/${COINED}/bought`, second.body);
      await expectFrameError(res, 409, /another account/);
      expect(await db.stores.trading.getTrade(8453, tx)).toMatchObject({ fid: 905 });
      expect(await trades(tx)).toBe(1);
      // The first reporter reporting again (another signed message) is idempotent.
      const again = await sign(905, COINED, { buttonIndex: 2, transactionId: tx, address: SHARED });
      expect((await h.post(`/frames/performance/${COINED}/bought`, again.body)).status).toBe(200);
    });

    it('accepts an address the identity bridge knows for the fid without asking the hub', async () => {
      await app.deliver(
        userUpdated(
          user(907, {
            verified_addresses: { eth_addresses: [BRIDGED], sol_addresses: [], primary: { eth_address: null } },
          }),
        ),
      );
      await app.drainer.drain();
      const asked = h.hub.verificationRequests.length;
      const action = await sign(907, COINED, { buttonIndex: 3, address: BRIDGED });
      expect((await h.post(`/frames/performance/${COINED}/buy`, action.body)).status).toBe(200);
      const custody = await sign(907, COINED, { buttonIndex: 3, address: user(907).custody_address as `0x${string}` });
      expect((await h.post(`/frames/performance/${COINED}/buy`, custody.body)).status).toBe(200);
      expect(h.hub.verificationRequests.length).toBe(asked);
    });

    it('answers 503 with Retry-After when the hub cannot tell, and never builds the buy', async () => {
      const down = await startFramesHarness(db, {
        deps: {
          checkAddress: async () => {
            throw new UnavailableError('Farcaster hub unavailable; try again', undefined, 5);
          },
        },
      });
      try {
        const signer = createFrameSigner(908);
        down.hub.register(908, signer.signerHex);
        const action = await signer.sign({
          url: frameUrl(COINED),
          buttonIndex: 3,
          castId: { fid: 7000, hash: COINED },
          address: OTHER,
        });
        const res = await down.post(`/frames/performance/${COINED}/buy`, action.body);
        expect(res.headers.get('retry-after')).toBe('5');
        await expectFrameError(res, 503, /hub unavailable/);
        expect(down.buys).toHaveLength(0);
      } finally {
        await down.close();
      }
    });
  });

  describe('reports of made-up transactions (confirmer stall)', () => {
    const CAPPED = '0x5555555555555555555555555555555555555555' as const;
    const reportOn = async (harness: FramesHarness, fid: number, tx: `0x${string}`) => {
      const signer = signers.get(fid) ?? createFrameSigner(fid);
      signers.set(fid, signer);
      harness.hub.register(fid, signer.signerHex);
      harness.hub.verify(fid, CAPPED);
      const action = await signer.sign({
        url: frameUrl(COINED),
        buttonIndex: 1,
        castId: { fid: 7000, hash: COINED },
        transactionId: tx,
        address: CAPPED,
      });
      return harness.post(`/frames/performance/${COINED}/bought`, action.body);
    };

    it('refuses a transaction the chain has never seen with 409 and records nothing', async () => {
      const asked: string[] = [];
      const chain = await startFramesHarness(db, {
        deps: {
          transactionSeen: async (hash) => {
            asked.push(hash);
            return false;
          },
        },
      });
      try {
        const tx = `0x${'b1'.repeat(32)}` as const;
        await expectFrameError(await reportOn(chain, 910, tx), 409, /not found; report it after sending/);
        expect(asked).toEqual([tx]);
        expect(await db.stores.trading.getTrade(8453, tx)).toBeNull();
      } finally {
        await chain.close();
      }
    });

    it('refuses every report with 503 when no chain is configured', async () => {
      const none = await startFramesHarness(db, { deps: { transactionSeen: undefined } });
      try {
        const tx = `0x${'b2'.repeat(32)}` as const;
        const res = await reportOn(none, 911, tx);
        expect(res.headers.get('retry-after')).toBe('300');
        await expectFrameError(res, 503);
        expect(await db.stores.trading.getTrade(8453, tx)).toBeNull();
      } finally {
        await none.close();
      }
    });

    it('caps the unconfirmed reports of one fid: the 6th answers 429', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push((await reportOn(h, 912, `0x${(0xc000 + i).toString(16).padStart(64, '0')}`)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      const last = await reportOn(h, 912, `0x${'c9'.repeat(32)}`);
      expect(last.headers.get('retry-after')).toBe('30');
      await expectFrameError(last, 429, /Too many unconfirmed buys/);
    });
  });

  describe('POST /frames/performance/:castHash/bought', () => {
    it('records the pending trade from the signed transaction id and shows a confirmation frame', async () => {
      const signed = await sign(801, COINED, { buttonIndex: 3, transactionId: TX, address: BUYER });
      const body = {
        ...signed.body,
        untrustedData: { ...signed.body.untrustedData, transactionId: `0x${'77'.repeat(32)}`, address: OTHER },
      };
      const res = await h.post(`/frames/performance/${COINED}/bought`, body);
      expect(res.status).toBe(200);
      const tags = expectFrameRules(await res.text(), { initial: false });
      expect(tags.get('fc:frame:button:1')).toBe('View transaction');
      expect(tags.get('fc:frame:button:1:target')).toBe(`https://basescan.org/tx/${TX}`);
      expect(tags.get('fc:frame:button:2')).toBe('Refresh');
      expect(tags.get('fc:frame:post_url')).toBe(`${frameUrl(COINED)}/trade/${TX}`);
      expect(await db.stores.trading.getTrade(8453, TX)).toMatchObject({
        status: 'pending',
        source: 'frame',
        fid: 801,
        buyer: BUYER,
        coinAddress,
        txHash: TX,
      });
      expect(await db.stores.trading.getTrade(8453, `0x${'77'.repeat(32)}`)).toBeNull();

      const image = await h.request(tags.get('fc:frame:image') ?? '');
      expect(image.status).toBe(200);
      expect(pngSize(new Uint8Array(await image.arrayBuffer()))).toEqual({ width: 1200, height: 630 });

      const refresh = await sign(801, COINED, { buttonIndex: 2 });
      const refreshed = await h.post(`/frames/performance/${COINED}/trade/${TX}`, refresh.body);
      expect(refreshed.status).toBe(200);
      expectFrameRules(await refreshed.text(), { initial: false });
    });

    it('refuses a report without a signed transaction id (400) or for a performance without a coin (409)', async () => {
      const noTx = await sign(802, COINED, { buttonIndex: 3, address: BUYER });
      const body = { ...noTx.body, untrustedData: { ...noTx.body.untrustedData, transactionId: TX } };
      await expectFrameError(await h.post(`/frames/performance/${COINED}/bought`, body), 400, /transaction id/);

      const noCoin = await sign(802, PERF, { buttonIndex: 3, transactionId: `0x${'66'.repeat(32)}`, address: BUYER });
      await expectFrameError(await h.post(`/frames/performance/${PERF}/bought`, noCoin.body), 409, /no coin/);
    });

    it('only answers POSTs', async () => {
      await expectFrameError(await h.request(`/frames/performance/${COINED}/bought`), 405);
    });
  });

  describe('request limits before Frog', () => {
    it('refuses bodies over 64 KiB with 413, declared or streamed', async () => {
      const big = JSON.stringify({ trustedData: { messageBytes: 'ab'.repeat(40_000) }, untrustedData: {} });
      await expectFrameError(await h.post(`/frames/performance/${PERF}`, big), 413);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 80; i++) controller.enqueue(new Uint8Array(1024).fill(0x61));
          controller.close();
        },
      });
      const res = await h.request(`/frames/performance/${PERF}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      await expectFrameError(res, 413);
    });

    it('refuses garbage JSON, a missing or non-hex trustedData.messageBytes with 400', async () => {
      await expectFrameError(
        await h.post(`/frames/performance/${PERF}`, '{"trustedData":'),
        400,
        'body is not valid JSON',
      );
      for (const body of [
        {},
        { untrustedData: { fid: 1, buttonIndex: 2, url: frameUrl(PERF) } },
        { trustedData: { messageBytes: 'zz' } },
        { trustedData: { messageBytes: '0xabcd' } },
        { trustedData: { messageBytes: 42 } },
        [],
        null,
      ]) {
        await expectFrameError(await h.post(`/frames/performance/${PERF}`, body), 400, /trustedData/);
      }
    });

    it('answers other methods with 405', async () => {
      await expectFrameError(await h.request(`/frames/performance/${PERF}`, { method: 'PUT', body: '{}' }), 405);
    });
  });
  describe('maintenance', () => {
    it('warms the renderer, and prunes replay-registry rows only once they are older than the accepted age', async () => {
      await h.frames.warm();
      expect(h.frames.imageCache.stats().entries).toBeGreaterThan(0);
      expect(await h.frames.pruneFrameActions()).toBe(0);
      const later = await startFramesHarness(db, { deps: { now: () => new Date(Date.now() + 3 * 3_600_000) } });
      try {
        expect(await later.frames.pruneFrameActions()).toBeGreaterThan(0);
      } finally {
        await later.close();
      }
      const rows = await db.sql.query<{ n: number }>(`select count(*)::int as n from frame_actions`);
      expect(rows[0]?.n).toBe(0);
    });
  });
});
