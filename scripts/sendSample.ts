/** `npm run send-sample`: the README's "try it" helper. Sends a signed performance cast and some signed engagement to
 * a running server (as Neynar would: https://docs.neynar.com/docs/how-to-verify-the-incoming-webhooks-using-signatures),
 * then polls the read API until the counts show up. Run with --help for the flags. */
import { randomBytes, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { castCreated, performanceCast, reaction, signed, type UserShape, user } from './neynarPayloads.ts';

const USAGE = `Send a signed sample performance and engagement to a running GigaVibe server.

Usage: npm run send-sample -- [options]

Options:
  --url <url>       server base URL (default http://localhost:8787)
  --secret <s>      webhook secret (default: NEYNAR_WEBHOOK_SECRET, else the development secret in
                    DATA_DIR/neynar-webhook-secret; DATA_DIR defaults to ./.data)
  --cast <hash>     performance cast hash, 0x + 40 hex digits (default: a random new hash)
  --likes <n>       likes to send, from distinct fids (default 3); one of them is then removed
  --recasts <n>     recasts to send (default 1)
  --replies <n>     replies to send (default 1)
  --help            show this help

It sends: the cast.created performance, the likes, recasts and replies, one duplicate delivery (same bytes, which
must be recognised) and one unlike; then it polls GET /api/performances/<hash> until the counts match.`;

const CAST_HASH = /^0x[0-9a-fA-F]{40}$/;
const MAX_COUNT = 500;
const POLL_TIMEOUT_MS = 10_000;

interface Options {
  url: string;
  secret: string;
  secretSource: string;
  castHash: string;
  likes: number;
  recasts: number;
  replies: number;
}

interface Metrics {
  likes: number;
  recasts: number;
  replies: number;
}

/** A failure the user can fix; printed without a stack trace. */
class SampleError extends Error {
  override name = 'SendSample.Error';
}

function count(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > MAX_COUNT) {
    throw new SampleError(`--${flag} must be an integer from 0 to ${MAX_COUNT}, got "${value}"`);
  }
  return Number(value);
}

async function resolveSecret(flag: string | undefined): Promise<{ secret: string; source: string }> {
  if (flag !== undefined && flag.trim() !== '') return { secret: flag.trim(), source: '--secret' };
  const fromEnv = process.env.NEYNAR_WEBHOOK_SECRET?.split(',')
    .map((s) => s.trim())
    .find((s) => s.length > 0);
  if (fromEnv !== undefined) return { secret: fromEnv, source: 'NEYNAR_WEBHOOK_SECRET' };
  const dataDir = process.env.DATA_DIR?.trim() || './.data';
  const file = path.resolve(dataDir, 'neynar-webhook-secret');
  try {
    const secret = (await readFile(file, 'utf8')).trim();
    if (secret.length > 0) return { secret, source: file };
  } catch {
    // Reported below with what to do about it.
  }
  throw new SampleError(
    `no webhook secret: pass --secret, set NEYNAR_WEBHOOK_SECRET, or start the server once without it (npm start) ` +
      `so that it generates the development secret in ${file}`,
  );
}

function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        secret: { type: 'string' },
        cast: { type: 'string' },
        likes: { type: 'string' },
        recasts: { type: 'string' },
        replies: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new SampleError(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
}

async function parseOptions(argv: string[]): Promise<Options | null> {
  const values = parseFlags(argv);
  if (values.help) return null;
  const url = (values.url ?? 'http://localhost:8787').replace(/\/+$/, '');
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new SampleError(`--url must be an http(s) URL, got "${url}"`);
  }
  if (values.cast !== undefined && !CAST_HASH.test(values.cast)) {
    throw new SampleError(`--cast must be 0x followed by 40 hex digits, got "${values.cast}"`);
  }
  const { secret, source } = await resolveSecret(values.secret);
  return {
    url,
    secret,
    secretSource: source,
    castHash: (values.cast ?? `0x${randomBytes(20).toString('hex')}`).toLowerCase(),
    likes: count(values.likes, 'likes', 3),
    recasts: count(values.recasts, 'recasts', 1),
    replies: count(values.replies, 'replies', 1),
  };
}

function unreachable(url: string, error: unknown): SampleError {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause);
  return new SampleError(`cannot reach the server at ${url} (${detail}): is it running? Start it with npm start`);
}

async function request(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw unreachable(new URL(url).origin, error);
  }
}

/** The performance's current metrics, or null while the read API answers 404. */
async function readMetrics(options: Options): Promise<{ metrics: Metrics; json: unknown } | null> {
  const res = await request(`${options.url}/api/performances/${options.castHash}`);
  if (res.status === 404) return null;
  if (!res.ok) throw new SampleError(`GET /api/performances/${options.castHash} answered ${res.status}`);
  const json: unknown = await res.json();
  const m = (json as { metrics?: Partial<Record<keyof Metrics, unknown>> }).metrics;
  if (typeof m?.likes !== 'number' || typeof m.recasts !== 'number' || typeof m.replies !== 'number') {
    throw new SampleError('GET /api/performances answered without numeric metrics');
  }
  return { metrics: { likes: m.likes, recasts: m.recasts, replies: m.replies }, json };
}

interface Delivery {
  label: string;
  body: string;
  headers: Record<string, string>;
  expectDuplicate: boolean;
}

async function deliver(options: Options, delivery: Delivery): Promise<void> {
  const res = await request(`${options.url}/webhooks/neynar`, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
  });
  const text = await res.text();
  if (res.status === 401) {
    throw new SampleError(
      `the server rejected the signature (401): the secret from ${options.secretSource} is not the one the server ` +
        'uses. Pass --secret, or set NEYNAR_WEBHOOK_SECRET to the server’s value (with no NEYNAR_WEBHOOK_SECRET the ' +
        'server uses DATA_DIR/neynar-webhook-secret; run this from the same directory with the same DATA_DIR)',
    );
  }
  let duplicate: unknown;
  try {
    duplicate = (JSON.parse(text) as { duplicate?: unknown }).duplicate;
  } catch {
    duplicate = undefined;
  }
  const note = res.ok ? (duplicate === true ? 'duplicate (recognised, not counted again)' : 'stored') : text.trim();
  console.log(`  ${res.status}  ${delivery.label.padEnd(46)} ${note}`);
  if (!res.ok) throw new SampleError(`POST /webhooks/neynar answered ${res.status}: ${text.trim().slice(0, 300)}`);
  if (delivery.expectDuplicate && duplicate !== true) {
    throw new SampleError('the redelivery of identical bytes was not recognised as a duplicate');
  }
}

async function build(options: Options, base: Metrics): Promise<{ deliveries: Delivery[]; expected: Metrics }> {
  const sign = async (label: string, payload: unknown): Promise<Delivery> => ({
    label,
    ...(await signed(options.secret, payload)),
    expectDuplicate: false,
  });
  // Random fids well away from real ones' low range, so reruns against the same cast add new reactors.
  const fidBase = 800_000_000 + randomInt(0, 100_000_000);
  const fan = (i: number): UserShape => user(fidBase + i);
  const now = Date.now();
  const deliveries: Delivery[] = [];
  const short = `${options.castHash.slice(0, 10)}…`;

  deliveries.push(await sign(`cast.created ${short} (performance)`, performanceCast(options.castHash, user(fidBase))));
  for (let i = 1; i <= options.likes; i++) {
    const payload = reaction({ kind: 'created', type: 1, castHash: options.castHash, reactor: fan(i), at: now + i });
    deliveries.push(await sign(`like from fid ${fidBase + i}`, payload));
  }
  for (let i = 1; i <= options.recasts; i++) {
    const reactor = fan(1000 + i);
    const payload = reaction({ kind: 'created', type: 2, castHash: options.castHash, reactor, at: now + i });
    deliveries.push(await sign(`recast from fid ${reactor.fid}`, payload));
  }
  for (let i = 1; i <= options.replies; i++) {
    const hash = `0x${randomBytes(20).toString('hex')}`;
    const author = fan(2000 + i);
    const payload = castCreated({ hash, author, parentHash: options.castHash, text: `Reply ${i}: love this take` });
    deliveries.push(await sign(`reply from fid ${author.fid}`, payload));
  }
  const original = deliveries[options.likes > 0 ? 1 : 0];
  if (original) deliveries.push({ ...original, label: `again: ${original.label}`, expectDuplicate: true });
  if (options.likes > 0) {
    const payload = reaction({
      kind: 'deleted',
      type: 1,
      castHash: options.castHash,
      reactor: fan(1),
      at: now + 60_000,
    });
    deliveries.push(await sign(`unlike from fid ${fidBase + 1}`, payload));
  }
  return {
    deliveries,
    expected: {
      likes: base.likes + Math.max(0, options.likes - 1),
      recasts: base.recasts + options.recasts,
      replies: base.replies + options.replies,
    },
  };
}

const sameMetrics = (a: Metrics, b: Metrics) =>
  a.likes === b.likes && a.recasts === b.recasts && a.replies === b.replies;
const show = (m: Metrics) => `likes ${m.likes}, recasts ${m.recasts}, replies ${m.replies}`;

async function main(): Promise<void> {
  const options = await parseOptions(process.argv.slice(2));
  if (options === null) {
    console.log(USAGE);
    return;
  }
  const health = await request(`${options.url}/healthz`);
  if (health.status === 404) throw new SampleError(`${options.url}/healthz answered 404: is this a GigaVibe server?`);
  if (health.status === 503)
    throw new SampleError(`the server at ${options.url} is up but its database is unreachable`);
  const before = await readMetrics(options);
  const base = before?.metrics ?? { likes: 0, recasts: 0, replies: 0 };
  const { deliveries, expected } = await build(options, base);

  console.log(`Sending ${deliveries.length} signed deliveries to ${options.url}/webhooks/neynar`);
  console.log(`  (secret from ${options.secretSource})`);
  for (const delivery of deliveries) await deliver(options, delivery);

  console.log(`\nWaiting for ${show(expected)} on GET /api/performances/${options.castHash}`);
  const deadline = Date.now() + POLL_TIMEOUT_MS;
  let last: { metrics: Metrics; json: unknown } | null = null;
  for (;;) {
    last = await readMetrics(options);
    if (last !== null && sameMetrics(last.metrics, expected)) break;
    if (Date.now() > deadline) {
      const seen = last === null ? 'the performance is still not found (404)' : `it shows ${show(last.metrics)}`;
      throw new SampleError(
        `after ${POLL_TIMEOUT_MS / 1000} s ${seen}; check GET ${options.url}/healthz for pending or failed events`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.log(JSON.stringify(last.json, null, 2));
  console.log(`\nCounts match. Read it yourself:\n  curl -s ${options.url}/api/performances/${options.castHash}`);
}

try {
  await main();
} catch (error) {
  if (error instanceof SampleError) {
    console.error(`send-sample: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
