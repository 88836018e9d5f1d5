import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createWalletClient, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import { type HubStandIn, startHubStandIn } from '../scripts/devnet/hubStandIn.ts';
import { type Devnet, startDevnet } from '../scripts/devnet/startDevnet.ts';
import { castHash, PERFORMANCE_CHANNEL, performanceCast, reaction, signed, user } from '../scripts/neynarPayloads.ts';
import { createFrameSigner, type FrameSigner, forgeDataKeepSignedBytes } from '../scripts/support/frameActions.ts';
import { parseNeynarEvent } from '../src/webhooks/parseNeynarEvent.ts';
import { type PostgrestStandIn, startPostgrestStandIn } from './standins/postgrest.ts';
import { databaseTargets, type TestDatabase } from './support/databases.ts';
import { giveCoin, metaMap, pngSize } from './support/framesHarness.ts';

// Nothing may leave the machine: no usage metrics, no request.cf download, no update check (banner), no remote mode.
process.env.WRANGLER_SEND_METRICS = 'false';
process.env.CLOUDFLARE_CF_FETCH_ENABLED = 'false';
process.env.WRANGLER_HIDE_BANNER = 'true';

const SERVICE_KEY = 'worker-test-service-role-key';
const SECRET = 'worker-test-webhook-secret-0123456789';
/** The Worker's public origin: frame URLs are built on it and signed actions must carry it. */
const PUBLIC_URL = 'https://frames.gigavibe.example';
type Hex = `0x${string}`;
const root = path.resolve(import.meta.dirname, '..');
const T0 = Date.parse('2026-11-02T20:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

type Worker = Awaited<ReturnType<typeof unstable_startWorker>>;
type Vars = Record<string, string>;

/** Run src/worker.ts in workerd through wrangler, locally, with exactly these variables (plus wrangler.toml [vars]).
 * The Worker's own logs are off (LOG_LEVEL silent, unless a test asks for a level): the warnings its refusals log are
 * expected here, and would only bury a real failure in the test output. */
async function startWorker(name: string, vars: Vars, envFile: string): Promise<Worker> {
  const bindings = Object.fromEntries(
    Object.entries({ LOG_LEVEL: 'silent', ...vars }).map(([key, value]) => [
      key,
      { type: 'secret_text' as const, value },
    ]),
  );
  const worker = await unstable_startWorker({
    name,
    config: path.join(root, 'wrangler.toml'),
    // An empty env file stands in for .dev.vars/.env, so a developer's local files cannot leak into the test.
    envFiles: [envFile],
    bindings,
    sendMetrics: false,
    // `wrangler dev` derives this from compatibility_flags; the API leaves it to the caller.
    build: {
      nodejsCompatMode: (config: { compatibility_flags?: string[] }) =>
        config.compatibility_flags?.includes('nodejs_compat') ? 'v2' : null,
    },
    dev: {
      remote: false,
      inspector: false,
      watch: false,
      persist: false,
      logLevel: 'warn',
      // Serves /cdn-cgi/handler/scheduled, as `wrangler dev --test-scheduled` does. (Worker.scheduled() of wrangler
      // 4.86.0 looks the Worker up in the proxy's Miniflare instance and throws "worker not found".)
      testScheduled: true,
      server: { hostname: '127.0.0.1', port: 0 },
    },
  });
  await worker.ready;
  return worker;
}

async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** POST payloads to the Worker's webhook one by one, signed as Neynar signs them; answers [status, body] each. */
async function deliver(base: URL, payloads: unknown[]): Promise<[number, unknown][]> {
  const answers: [number, unknown][] = [];
  for (const payload of payloads) {
    const { body, headers } = await signed(SECRET, payload);
    const response = await fetch(new URL('/webhooks/neynar', base), { method: 'POST', body, headers });
    answers.push([response.status, await response.json()]);
  }
  return answers;
}

/** Read a performance through the Worker until its metrics are as expected (the apply runs in waitUntil). */
async function readPerformance(base: URL, hash: string, metrics: Record<string, number>) {
  const read = async () => {
    const response = await fetch(new URL(`/api/performances/${hash}`, base));
    return { status: response.status, body: (await response.json()) as { metrics?: unknown } };
  };
  return poll(read, (r) => r.status === 200 && JSON.stringify(r.body.metrics) === JSON.stringify(metrics));
}

/** A performance with two likes, a recast and a redelivered like, as Neynar would send them. */
function engagement(hash: string, artistFid: number, t: number) {
  return [
    performanceCast(hash, user(artistFid, { username: `artist${artistFid}` }), at(t)),
    reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(601), at: at(t + 1) }),
    reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(602), at: at(t + 2) }),
    reaction({ kind: 'created', type: 2, castHash: hash, reactor: user(603), at: at(t + 3) }),
    // A byte-identical redelivery of the first like: acknowledged, not counted twice.
    reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(601), at: at(t + 1) }),
  ];
}

const ACCEPTED = [
  [200, { ok: true, duplicate: false, ignored: false }],
  [200, { ok: true, duplicate: false, ignored: false }],
  [200, { ok: true, duplicate: false, ignored: false }],
  [200, { ok: true, duplicate: false, ignored: false }],
  [200, { ok: true, duplicate: true, ignored: false }],
];
const METRICS = { likes: 2, recasts: 1, replies: 0, views: 0 };

/** Commit deliveries straight to the inbox without applying them, as when a waitUntil apply is cut short. */
async function leaveInInbox(db: TestDatabase, payloads: unknown[]): Promise<void> {
  await db.stores.ingest.ingestDeliveries(
    payloads.map((payload) => {
      const rawBody = JSON.stringify(payload);
      const parsed = parseNeynarEvent(payload, { performanceChannelUrl: PERFORMANCE_CHANNEL, receivedAt: at(0) });
      if (!parsed.ok) throw new Error(parsed.reason);
      const sha256 = createHash('sha256').update(rawBody).digest('hex');
      return { sha256, rawBody, eventType: parsed.type, event: parsed.event };
    }),
  );
}

/** Fire the cron trigger as Cloudflare would at `time` (ms; default now). Jobs with periods longer than a tick run
 * in the tick their period begins, so a test of one passes a time on that boundary. */
async function fireCron(base: URL, time?: number): Promise<void> {
  const at = time === undefined ? '' : `&time=${time}`;
  const trigger = await fetch(new URL(`/cdn-cgi/handler/scheduled?cron=*+*+*+*+*${at}`, base));
  expect([trigger.status, await trigger.text()]).toEqual([200, 'ok']);
}

/** The same path and query on the Worker's local address (frame URLs name PUBLIC_URL). */
function onWorker(base: URL, publicUrl: string): URL {
  const url = new URL(publicUrl);
  return new URL(`${url.pathname}${url.search}`, base);
}

async function postFrame(base: URL, pathname: string, body: unknown): Promise<Response> {
  return fetch(new URL(pathname, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function viewsOf(base: URL, hash: string): Promise<number> {
  const response = await fetch(new URL(`/api/performances/${hash}`, base));
  expect(response.status).toBe(200);
  return ((await response.json()) as { metrics: { views: number } }).metrics.views;
}

async function emptyEnvFile(): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-worker-test-'));
  const file = path.join(dir, 'empty.env');
  await writeFile(file, '');
  return { dir, file };
}

describe('Worker host on Supabase (src/worker.ts in workerd via wrangler, PostgREST stand-in over PGlite)', () => {
  let db: TestDatabase;
  let standIn: PostgrestStandIn;
  let hub: HubStandIn;
  let devnet: Devnet;
  let env: { dir: string; file: string };
  let worker: Worker;
  let base: URL;
  const database = () => ({ SUPABASE_URL: standIn.url, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY });

  beforeAll(async () => {
    const target = databaseTargets()[0];
    if (target === undefined) throw new Error('no database target');
    db = await target.create();
    standIn = await startPostgrestStandIn({ sql: db.sql, keys: { [SERVICE_KEY]: 'service_role' } });
    hub = await startHubStandIn();
    devnet = await startDevnet();
    env = await emptyEnvFile();
    worker = await startWorker(
      'gigavibe-worker-test',
      { ...database(), NEYNAR_WEBHOOK_SECRET: SECRET, PUBLIC_URL, HUB_URL: hub.url, BASE_RPC_URL: devnet.rpcUrl },
      env.file,
    );
    base = await worker.url;
  }, 60_000);

  afterAll(async () => {
    await worker?.dispose();
    await hub?.close();
    await devnet?.stop();
    await standIn?.close();
    await db?.close();
    if (env) await rm(env.dir, { recursive: true, force: true });
  });

  it('answers /healthz from the database behind the Data API, and the chain RPC', async () => {
    const response = await fetch(new URL('/healthz', base));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      database: { reachable: true, pendingEvents: 0, failedEvents: 0 },
      chain: { configured: true, reachable: true, chainId: 8453, blockNumber: expect.any(Number) },
    });
    expect(standIn.calls).toContainEqual({ fn: 'db_health', status: 200, role: 'service_role', code: null });
  });

  it('commits signed webhooks, applies them in waitUntil, and serves exact counts', async () => {
    const hash = castHash(0x77);
    expect(await deliver(base, engagement(hash, 501, 0))).toEqual(ACCEPTED);
    const performance = await readPerformance(base, hash, METRICS);
    expect(performance.status).toBe(200);
    expect(performance.body).toMatchObject({
      castHash: hash,
      artist: { fid: 501, username: 'artist501' },
      metrics: METRICS,
    });
    // The same numbers straight from SQL: the Worker really wrote through the Data API.
    expect((await db.stores.performances.getPerformance(hash))?.metrics).toEqual(METRICS);
    expect(await db.stores.ingest.health()).toEqual({ ok: true, pendingEvents: 0, failedEvents: 0 });
    expect(standIn.calls.filter((c) => c.fn === 'ingest_webhook_events').map((c) => c.status)).toEqual([
      200, 200, 200, 200, 200,
    ]);
  });

  it('refuses an unsigned delivery with 401 and stores nothing', async () => {
    const before = standIn.calls.filter((c) => c.fn === 'ingest_webhook_events').length;
    const body = JSON.stringify(
      reaction({ kind: 'created', type: 1, castHash: castHash(0x78), reactor: user(9), at: at(9) }),
    );
    const response = await fetch(new URL('/webhooks/neynar', base), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'missing or invalid X-Neynar-Signature' });
    expect(standIn.calls.filter((c) => c.fn === 'ingest_webhook_events').length).toBe(before);
  });

  it('drains events left in the inbox when the cron trigger fires', async () => {
    const hash = castHash(0x79);
    await leaveInInbox(db, [
      performanceCast(hash, user(502), at(10)),
      reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(611), at: at(11) }),
    ]);
    expect(await db.stores.ingest.health()).toMatchObject({ pendingEvents: 2 });
    await fireCron(base);
    const health = await poll(
      () => db.stores.ingest.health(),
      (h) => h.pendingEvents === 0,
    );
    expect(health).toEqual({ ok: true, pendingEvents: 0, failedEvents: 0 });
    expect((await db.stores.performances.getPerformance(hash))?.metrics.likes).toBe(1);
  });

  describe('performance frames, buying and trade confirmation', () => {
    const PERF = castHash(0x7c) as Hex;
    const COINED = castHash(0x7d) as Hex;
    const VIEWED = castHash(0x7e) as Hex;
    const ARTIST = 7100;
    const signers = new Map<number, FrameSigner>();
    /** A signer registered with the hub stand-in, one per fid. */
    const signerOf = (fid: number): FrameSigner => {
      let signer = signers.get(fid);
      if (signer === undefined) {
        signer = createFrameSigner(fid);
        hub.register(fid, signer.signerHex);
        signers.set(fid, signer);
      }
      return signer;
    };
    const frameUrl = (hash: string) => `${PUBLIC_URL}/frames/performance/${hash}`;

    beforeAll(async () => {
      const answers = await deliver(base, [
        performanceCast(PERF, user(ARTIST), at(40)),
        performanceCast(COINED, user(ARTIST + 1), at(41)),
        performanceCast(VIEWED, user(ARTIST + 2), at(42)),
      ]);
      expect(answers.map(([status]) => status)).toEqual([200, 200, 200]);
      await poll(
        () => Promise.all([PERF, COINED, VIEWED].map((hash) => db.stores.performances.getPerformance(hash))),
        (found) => found.every((p) => p !== null),
      );
      await giveCoin(db, COINED);
    });

    it('serves the frame of a performance, its image URL on PUBLIC_URL', async () => {
      const response = await fetch(new URL(`/frames/performance/${PERF}`, base));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const meta = metaMap(await response.text());
      expect(meta.get('fc:frame')).toBe('vNext');
      expect(meta.get('fc:frame:image')).toMatch(
        new RegExp(`^${PUBLIC_URL}/frames/performance/${PERF}/image/[0-9a-f]{16}\\.png$`),
      );
      expect(meta.get('fc:frame:image:aspect_ratio')).toBe('1.91:1');
      expect(meta.get('fc:frame:post_url')).toMatch(new RegExp(`^${frameUrl(PERF)}`));
      expect(meta.get('fc:frame:button:2')).toBe('Refresh');
      // No coin yet: no Buy button.
      expect(meta.has('fc:frame:button:3')).toBe(false);
    });

    it('serves the mini app from the Worker bundle: the page with the performance inlined, then its script', async () => {
      const response = await fetch(new URL(`/app/p/${PERF}`, base));
      expect(response.status).toBe(200);
      const html = await response.text();
      const script = /<script type="module" src="(\/app\/assets\/app\.[0-9a-f]{12}\.js)">/.exec(html)?.[1];
      expect(script).toBeDefined();
      expect(html).toContain(`"key":"performance:${PERF}"`);
      expect(html).toContain(`"publicUrl":"${PUBLIC_URL}"`);
      const bundle = await fetch(new URL(script ?? '', base));
      expect(bundle.status).toBe(200);
      expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(await bundle.text()).toContain('Solana is not supported by this app');
    });

    it("never echoes a binding: Frog's dev header, forwarded hosts and the HTML preview get plain frames", async () => {
      const secrets = [SECRET, SERVICE_KEY, hub.url, devnet.rpcUrl, standIn.url];
      const headerSets: Record<string, string>[] = [
        { 'x-frog-dev': '1' },
        { 'X-Frog-Dev': 'true', accept: 'text/html' },
        { 'x-frog-dev': '1', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
        { 'x-frog-dev': '1', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0.0.0 Safari/537.36' },
      ];
      for (const pathname of [
        '/frames/performance/xyz',
        `/frames/performance/${PERF}`,
        `/frames/performance/${COINED}`,
      ]) {
        for (const headers of headerSets) {
          const response = await fetch(new URL(pathname, base), { headers, redirect: 'manual' });
          const text = `${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await response.text()}`;
          const where = `${pathname} ${JSON.stringify(headers)}`;
          expect([200, 302], where).toContain(response.status);
          expect(text, where).not.toContain('frog:context');
          expect(text, where).not.toContain('evil.example');
          for (const secret of secrets) expect(text.includes(secret), `${where} leaks a binding`).toBe(false);
        }
      }
      const signer = signerOf(7150);
      const refresh = await signer.sign({ url: frameUrl(PERF), buttonIndex: 2, castId: { fid: ARTIST, hash: PERF } });
      const response = await fetch(new URL(`/frames/performance/${PERF}`, base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-frog-dev': '1' },
        body: JSON.stringify(refresh.body),
      });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).not.toContain('frog:context');
      for (const secret of secrets) expect(html.includes(secret)).toBe(false);
    });

    it('renders the frame image in workerd: a 1200x630 PNG from the bundled fonts and resvg WebAssembly', async () => {
      const html = await (await fetch(new URL(`/frames/performance/${PERF}`, base))).text();
      const image = metaMap(html).get('fc:frame:image') ?? '';
      // Concurrent requests for a card not drawn yet share one render (and one database read) across invocations.
      const responses = await Promise.all(Array.from({ length: 6 }, () => fetch(onWorker(base, image))));
      for (const response of responses) {
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('image/png');
        expect(response.headers.get('cache-control')).toContain('immutable');
      }
      const pngs = await Promise.all(responses.map(async (r) => Buffer.from(await r.arrayBuffer())));
      expect(pngSize(pngs[0] ?? new Uint8Array())).toEqual({ width: 1200, height: 630 });
      for (const png of pngs) expect(png.equals(pngs[0] ?? Buffer.alloc(0))).toBe(true);
      // A later request (the image cache lives in the isolate) answers the same bytes.
      const again = Buffer.from(await (await fetch(onWorker(base, image))).arrayBuffer());
      expect(again.equals(pngs[0] ?? Buffer.alloc(0))).toBe(true);
    });

    it('accepts a signed Refresh once (views + 1), refuses its replay with 409 and a forged one with 4xx', async () => {
      const before = await viewsOf(base, PERF);
      const signed = await signerOf(7201).sign({
        url: frameUrl(PERF),
        buttonIndex: 2,
        castId: { fid: ARTIST, hash: PERF },
      });
      const refreshed = await postFrame(base, `/frames/performance/${PERF}`, signed.body);
      expect(refreshed.status).toBe(200);
      expect(metaMap(await refreshed.text()).get('fc:frame:image')).toMatch(/\/image\/[0-9a-f]{16}\.png$/);
      expect(await viewsOf(base, PERF)).toBe(before + 1);
      // The Worker asked the hub stand-in (on 127.0.0.1) whether the key is the fid's signer.
      expect(hub.requests).toContainEqual({ fid: '7201', signer: signers.get(7201)?.signerHex, apiKey: null });

      const replay = await postFrame(base, `/frames/performance/${PERF}`, signed.body);
      expect(replay.status).toBe(409);
      expect(await replay.json()).toEqual({ message: expect.any(String) });

      const fresh = await signerOf(7202).sign({
        url: frameUrl(PERF),
        buttonIndex: 2,
        castId: { fid: ARTIST, hash: PERF },
      });
      const forged = forgeDataKeepSignedBytes(fresh, { fid: 7201 });
      const refused = await postFrame(base, `/frames/performance/${PERF}`, forged.body);
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.status).toBeLessThan(500);
      const unregistered = await createFrameSigner(7203).sign({
        url: frameUrl(PERF),
        buttonIndex: 2,
        castId: { fid: ARTIST, hash: PERF },
      });
      expect((await postFrame(base, `/frames/performance/${PERF}`, unregistered.body)).status).toBe(401);
      expect(await viewsOf(base, PERF)).toBe(before + 1);
    });

    it('logs unsigned frame and image GETs to analytics after answering (waitUntil flush)', async () => {
      const kinds = async () =>
        (
          await db.sql.query<{ kind: string }>(
            `select data->>'kind' as kind from public.analytics_events
             where event_type = 'frame_view' and cast_hash = $1 order by id`,
            [VIEWED],
          )
        ).map((row) => row.kind);
      const html = await (await fetch(new URL(`/frames/performance/${VIEWED}`, base))).text();
      expect((await fetch(onWorker(base, metaMap(html).get('fc:frame:image') ?? ''))).status).toBe(200);
      expect(await poll(kinds, (k) => k.length >= 2)).toEqual(['frame', 'image']);
      // Analytics only: the views metric counts verified viewers, not GETs.
      expect(await viewsOf(base, VIEWED)).toBe(0);
    });

    it('POST /api/tx/buy answers 409 JSON while the performance has no coin', async () => {
      const response = await fetch(new URL('/api/tx/buy', base), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ castHash: PERF, buyer: `0x${'5'.repeat(40)}` }),
      });
      expect(response.status).toBe(409);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ error: 'No coin yet for this performance' });
    });

    it('offers Buy on a coined performance and records the signed purchase as a pending trade', async () => {
      const frame = metaMap(await (await fetch(new URL(`/frames/performance/${COINED}`, base))).text());
      expect(frame.get('fc:frame:button:3')).toBe('Buy $VIBE');
      expect(frame.get('fc:frame:button:3:action')).toBe('tx');

      // A transaction the chain has seen (made-up hashes are refused), from an address the fid verified on the hub.
      const sender = devnet.accounts.users[1];
      if (sender === undefined) throw new Error('no devnet account');
      const txHash = await createWalletClient({
        account: privateKeyToAccount(sender.privateKey),
        chain: devnet.chain,
        transport: http(devnet.rpcUrl),
      }).sendTransaction({ to: `0x${'5'.repeat(40)}`, value: 1n });
      const buyer = sender.address.toLowerCase() as `0x${string}`;
      hub.verify(7204, buyer);
      const bought = await signerOf(7204).sign({
        url: frameUrl(COINED),
        buttonIndex: 3,
        castId: { fid: ARTIST + 1, hash: COINED },
        transactionId: txHash,
        address: buyer,
      });
      const response = await postFrame(base, `/frames/performance/${COINED}/bought`, bought.body);
      expect(response.status).toBe(200);
      const tradeFrame = metaMap(await response.text());
      expect(tradeFrame.get('fc:frame:image')).toMatch(
        new RegExp(`^${PUBLIC_URL}/frames/performance/${COINED}/trade/${txHash}/image/[0-9a-f]{16}\\.png$`),
      );
      const image = await fetch(onWorker(base, tradeFrame.get('fc:frame:image') ?? ''));
      expect(image.status).toBe(200);
      expect(pngSize(new Uint8Array(await image.arrayBuffer()))).toEqual({ width: 1200, height: 630 });

      const trade = await fetch(new URL(`/api/trades/${txHash}`, base));
      expect(trade.status).toBe(200);
      expect(await trade.json()).toMatchObject({ txHash, status: 'pending', buyer });
    });

    it('cron settles reported trades from the chain (BASE_RPC_URL) and prunes the replay registry', async () => {
      // A mined transaction that is not a buy: the confirmer must read its receipt on the devnet and fail the trade.
      const buyer = devnet.accounts.users[0];
      if (buyer === undefined) throw new Error('no devnet account');
      const wallet = createWalletClient({
        account: privateKeyToAccount(buyer.privateKey),
        chain: devnet.chain,
        transport: http(devnet.rpcUrl),
      });
      const txHash = await wallet.sendTransaction({ to: `0x${'4'.repeat(40)}`, value: 1n });
      hub.verify(7206, buyer.address);
      const reported = await signerOf(7206).sign({
        url: frameUrl(COINED),
        buttonIndex: 3,
        castId: { fid: ARTIST + 1, hash: COINED },
        transactionId: txHash,
        address: buyer.address,
      });
      expect((await postFrame(base, `/frames/performance/${COINED}/bought`, reported.body)).status).toBe(200);
      const aged = await db.sql.query<{ message_hash: string }>(
        `update public.frame_actions set received_at = now() - interval '1 day'
         where message_hash = $1 returning message_hash`,
        [reported.messageHash],
      );
      expect(aged).toHaveLength(1);

      // The prune jobs run every 10 minutes: fire the tick that starts a 10-minute period.
      await fireCron(base, Math.floor(Date.now() / 600_000) * 600_000);
      const trade = await poll(
        async () => (await (await fetch(new URL(`/api/trades/${txHash}`, base))).json()) as Record<string, unknown>,
        (t) => t.status !== 'pending',
      );
      expect(trade).toMatchObject({ txHash, status: 'failed', failureReason: 'not a buy through an allowed router' });
      const left = await poll(
        async () => db.sql.query('select 1 from public.frame_actions where message_hash = $1', [reported.messageHash]),
        (rows) => rows.length === 0,
      );
      expect(left).toHaveLength(0);
    });

    it('without PUBLIC_URL the frames answer 503 naming it, without HUB_URL signed actions answer 503', async () => {
      const [noPublicUrl, noHub] = await Promise.all([
        startWorker('gigavibe-worker-test-no-public-url', { ...database(), NEYNAR_WEBHOOK_SECRET: SECRET }, env.file),
        startWorker(
          'gigavibe-worker-test-no-hub',
          { ...database(), NEYNAR_WEBHOOK_SECRET: SECRET, PUBLIC_URL },
          env.file,
        ),
      ]);
      try {
        const frame = await fetch(new URL(`/frames/performance/${PERF}`, await noPublicUrl.url));
        expect([frame.status, await frame.json()]).toEqual([503, { message: 'server misconfigured: PUBLIC_URL' }]);
        // Everything else is served.
        expect((await fetch(new URL(`/api/performances/${PERF}`, await noPublicUrl.url))).status).toBe(200);

        const noHubBase = await noHub.url;
        expect((await fetch(new URL(`/frames/performance/${PERF}`, noHubBase))).status).toBe(200);
        const signed = await signerOf(7205).sign({
          url: frameUrl(PERF),
          buttonIndex: 2,
          castId: { fid: ARTIST, hash: PERF },
        });
        const refused = await postFrame(noHubBase, `/frames/performance/${PERF}`, signed.body);
        expect(refused.status).toBe(503);
        expect(refused.headers.get('retry-after')).toBe('300');
      } finally {
        await Promise.all([noPublicUrl.dispose(), noHub.dispose()]);
      }
    }, 60_000);
  });

  it('answers 503 naming NEYNAR_WEBHOOK_SECRET when started without it, and logs why (never a value)', async () => {
    // Logged whatever LOG_LEVEL says (the configuration it would come from is what failed): expected here, so the
    // line wrangler relays from workerd is captured and asserted instead of printed.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const misconfigured = await startWorker(
      'gigavibe-worker-test-misconfigured',
      { SUPABASE_URL: standIn.url, SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY },
      env.file,
    );
    try {
      const url = await misconfigured.url;
      for (const [method, pathname] of [
        ['GET', '/healthz'],
        ['POST', '/webhooks/neynar'],
        ['GET', '/api/performances'],
      ] as const) {
        const response = await fetch(new URL(pathname, url), { method });
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({ error: 'server misconfigured: NEYNAR_WEBHOOK_SECRET' });
      }
      const lines = () => logged.mock.calls.map((args) => args.map(String).join(' '));
      await vi.waitFor(() =>
        expect(lines().filter((line) => line.includes('server misconfigured; refusing requests'))).toHaveLength(3),
      );
      expect(lines().join('\n')).toContain('NEYNAR_WEBHOOK_SECRET');
      expect(lines().join('\n')).not.toContain(SERVICE_KEY);
    } finally {
      // After the Worker is gone: wrangler ends by saying where it wrote its log, since an error was logged.
      await misconfigured.dispose();
      logged.mockRestore();
    }
  }, 60_000);
});

const postgres = databaseTargets().find((t) => t.name === 'postgres');
if (postgres !== undefined) {
  describe('Worker host on PostgreSQL (DATABASE_URL: pg over cloudflare:sockets, one connection per request)', () => {
    const APP = 'gigavibe_worker_test';
    let db: TestDatabase;
    let hub: HubStandIn;
    let env: { dir: string; file: string };
    let worker: Worker;
    let base: URL;
    const workerConnections = async () =>
      (
        await db.sql.query<{ n: number }>(
          'select count(*)::integer as n from pg_stat_activity where application_name = $1',
          [APP],
        )
      )[0]?.n;

    beforeAll(async () => {
      db = await postgres.create();
      if (db.url === null) throw new Error('PostgreSQL target without a URL');
      const url = new URL(db.url);
      url.searchParams.set('application_name', APP);
      hub = await startHubStandIn();
      env = await emptyEnvFile();
      worker = await startWorker(
        'gigavibe-worker-test-postgres',
        { DATABASE_URL: url.toString(), NEYNAR_WEBHOOK_SECRET: SECRET, PUBLIC_URL, HUB_URL: hub.url },
        env.file,
      );
      base = await worker.url;
    }, 60_000);

    afterAll(async () => {
      await worker?.dispose();
      await hub?.close();
      await db?.close();
      if (env) await rm(env.dir, { recursive: true, force: true });
    });

    it('serves /healthz, commits and applies signed webhooks, and closes every connection', async () => {
      const health = await fetch(new URL('/healthz', base));
      expect([health.status, await health.json()]).toEqual([
        200,
        {
          status: 'ok',
          database: { reachable: true, pendingEvents: 0, failedEvents: 0 },
          chain: { configured: false },
        },
      ]);
      const hash = castHash(0x7a);
      expect(await deliver(base, engagement(hash, 701, 20))).toEqual(ACCEPTED);
      const performance = await readPerformance(base, hash, METRICS);
      expect(performance.body).toMatchObject({ castHash: hash, metrics: METRICS });
      expect((await db.stores.performances.getPerformance(hash))?.metrics).toEqual(METRICS);
      // No connection outlives its invocation. (This cannot tell the Worker's own end() in waitUntil from workerd
      // dropping the socket when the invocation finishes: both leave zero.)
      expect(await poll(workerConnections, (n) => n === 0)).toBe(0);
    });

    it('serves frames, images and a signed Refresh over the invocation connection, then closes it', async () => {
      const hash = castHash(0x7f) as Hex;
      expect(await deliver(base, [performanceCast(hash, user(703), at(40))])).toEqual([ACCEPTED[0]]);
      await poll(
        () => db.stores.performances.getPerformance(hash),
        (p) => p !== null,
      );
      const html = await (await fetch(new URL(`/frames/performance/${hash}`, base))).text();
      const image = await fetch(onWorker(base, metaMap(html).get('fc:frame:image') ?? ''));
      expect(image.status).toBe(200);
      expect(pngSize(new Uint8Array(await image.arrayBuffer()))).toEqual({ width: 1200, height: 630 });

      const signer = createFrameSigner(7301);
      hub.register(signer.fid, signer.signerHex);
      const signed = await signer.sign({
        url: `${PUBLIC_URL}/frames/performance/${hash}`,
        buttonIndex: 2,
        castId: { fid: 703, hash },
      });
      expect((await postFrame(base, `/frames/performance/${hash}`, signed.body)).status).toBe(200);
      expect((await postFrame(base, `/frames/performance/${hash}`, signed.body)).status).toBe(409);
      expect(await viewsOf(base, hash)).toBe(1);
      // The GETs' views were written in waitUntil on each invocation's own connection before it was closed.
      const kinds = async () =>
        (
          await db.sql.query<{ kind: string }>(
            `select data->>'kind' as kind from public.analytics_events
             where event_type = 'frame_view' and cast_hash = $1 order by id`,
            [hash],
          )
        ).map((row) => row.kind);
      expect(await poll(kinds, (k) => k.length >= 2)).toEqual(['frame', 'image']);
      expect(await poll(workerConnections, (n) => n === 0)).toBe(0);
    });

    it('drains events left in the inbox when the cron trigger fires', async () => {
      const hash = castHash(0x7b);
      await leaveInInbox(db, [performanceCast(hash, user(702), at(30))]);
      await fireCron(base);
      const health = await poll(
        () => db.stores.ingest.health(),
        (h) => h.pendingEvents === 0,
      );
      expect(health).toEqual({ ok: true, pendingEvents: 0, failedEvents: 0 });
      expect((await db.stores.performances.getPerformance(hash))?.castHash).toBe(hash);
      expect(await poll(workerConnections, (n) => n === 0)).toBe(0);
    });
  });
}
