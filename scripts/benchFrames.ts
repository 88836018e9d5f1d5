/** `npm run bench:frames`: frame GET, image GET (cold and cached) and verified POST latency, throughput and memory of
 * GigaVibe's performance frames on the Node host (src/node.ts as a child process, on a throwaway PostgreSQL cluster
 * with fsync on, or on PGlite), measured side by side with a stock Frog 0.18.3 frame drawing the same card through
 * Frog's default, uncached image pipeline (scripts/bench/stockFrogServer.ts, also a child process). Performances are
 * seeded through signed Neynar webhooks; POSTs are real signed frame actions whose signers a hub stand-in in this
 * process knows. A benchmark, not a test: all traffic stays on 127.0.0.1. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Performance, performanceSchema } from '../src/performances/types.ts';
import { type Cleanup, createCleanup } from './bench/createCleanup.ts';
import { createRandom } from './bench/createRandom.ts';
import { type DriveResult, driveRequests, type FrameRequest, type ResponseCheck } from './bench/framesDriveRequests.ts';
import { comparePixels, decodePng, readPngSize } from './bench/framesReadPng.ts';
import { type RssSummary, sampleRss } from './bench/framesSampleRss.ts';
import { backgroundLoad, machineLine, waitForQuiet } from './bench/machine.ts';
import { positive } from './bench/parseIntFlag.ts';
import { clusterCpuSeconds, machineCpuSeconds, processCpuSeconds } from './bench/readCpu.ts';
import { startPostgres } from './bench/startPostgres.ts';
import { freePort, type ServerProcess, startServer } from './bench/startServer.ts';
import { formatTable, num, percentile } from './bench/summarize.ts';
import { type HubStandIn, startHubStandIn } from './devnet/hubStandIn.ts';
import { castCreated, castHash, PERFORMANCE_CHANNEL, signed, user } from './neynarPayloads.ts';
import { createFrameSigner, type FrameSigner } from './support/frameActions.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Performances used only by warm-ups (and the pixel comparison), never measured. */
const WARM_PERFORMANCES = 16;
const WARM_FIDS = 32;
const WARM_FRAME_REQUESTS = 400;
/** An address where nothing listens: with PGlite and no BASE_RPC_URL the Node host would start its devnet. */
const UNREACHABLE_RPC = 'http://127.0.0.1:9';
const TARGETS = { coldP50Ms: 150, cachedP99Ms: 5, postP99Ms: 100 };
const MANY = 10_000_000;
const SOAK = 'soak: frame + cached image';
/** The stock server leaks ~3 MiB of WebAssembly memory per render (hono-og never frees resvg's output): its soak is
 * capped so a long soak does not exhaust a small machine. */
const FROG_SOAK_SECONDS = 15;
/** Memory counts as steady when the highest RSS of the soak's second half is at most this much above its first
 * half's (V8 collects lazily, so RSS moves in a sawtooth whose peaks, not its slope, show growth). */
const STEADY_PEAK_GROWTH = 0.1;

const USAGE = `Frames benchmark: GigaVibe's performance frames (Node host) against a stock Frog frame drawing the same card.

Usage: npm run bench:frames -- [options]

Options:
  --db <kind>           postgres: a throwaway cluster, fsync on (default); pglite: embedded in the server process
  --performances <n>    performances whose frames and images are measured; each image is cold once (default 200)
  --sequential <n>      more performances whose cold image is requested one at a time (default 40)
  --concurrency <n>     requests in flight (default 16)
  --seconds <n>         time limit of each phase; no request starts after it (default 6)
  --fids <n>            signers of the verified POSTs: one Refresh each with a cold signer cache, then one each
                        with a warm cache, then one each with a warm cache at 1 in flight (default 400)
  --soak-seconds <n>    mixed frame + cached image load after the image phases, to watch memory; long enough for
                        a few major GCs (stock Frog: at most ${FROG_SOAK_SECONDS} s); 0 skips it (default 60)
  --skip-frog           measure GigaVibe only
  --wait-quiet <s>      before each phase, wait up to s seconds for other processes to leave the CPUs idle
                        (shared machines; default 0)
  --server-node-arg A   extra node option for the GigaVibe server, e.g. --max-old-space-size=256 (repeatable)
  --help                show this help

Environment: BENCH_DATABASE_URL uses that PostgreSQL server (a scratch database is created and dropped) instead of
starting a throwaway cluster.`;

type DbKind = 'postgres' | 'pglite';
type ServerName = 'GigaVibe' | 'stock Frog';

interface Settings {
  db: DbKind;
  performances: number;
  sequential: number;
  concurrency: number;
  seconds: number;
  fids: number;
  soakSeconds: number;
  skipFrog: boolean;
  serverNodeArgs: string[];
  waitQuiet: number;
}

interface Target {
  name: ServerName;
  server: ServerProcess;
  origin: string;
  /** Image path (and query) each performance's frame names, by cast hash. */
  images: Map<string, string>;
}

interface PhaseRun {
  phase: string;
  server: ServerName;
  inFlight: number;
  timeLimited: boolean;
  drive: DriveResult;
  rss: RssSummary;
  cpuSeconds: number;
  /** PostgreSQL's CPU over the phase (throwaway cluster only; PGlite runs inside the server). */
  dbCpuSeconds: number | null;
  hubLookups: number;
  /** Cores kept busy by processes other than the server, its database and this one, on average over the phase. */
  otherCores: number;
}

/** The cast hashes of the run: warm-up, sequential-cold and measured performances never overlap. */
interface Casts {
  warm: string[];
  sequential: string[];
  measured: string[];
}

function parseSettings(argv: string[]): Settings | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      performances: { type: 'string' },
      sequential: { type: 'string' },
      concurrency: { type: 'string' },
      seconds: { type: 'string' },
      fids: { type: 'string' },
      'soak-seconds': { type: 'string' },
      'skip-frog': { type: 'boolean' },
      'server-node-arg': { type: 'string', multiple: true },
      'wait-quiet': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  if (values.db !== undefined && values.db !== 'postgres' && values.db !== 'pglite') {
    throw new Error('--db must be postgres or pglite');
  }
  return {
    db: values.db ?? 'postgres',
    performances: positive(values.performances, 'performances', 200, 5000),
    sequential: positive(values.sequential, 'sequential', 40, 1000),
    concurrency: positive(values.concurrency, 'concurrency', 16, 1024),
    seconds: positive(values.seconds, 'seconds', 6, 600),
    fids: positive(values.fids, 'fids', 400, 20_000),
    soakSeconds: positive(values['soak-seconds'], 'soak-seconds', 60, 3600, true),
    skipFrog: values['skip-frog'] ?? false,
    serverNodeArgs: values['server-node-arg'] ?? [],
    waitQuiet: positive(values['wait-quiet'], 'wait-quiet', 0, 3600, true),
  };
}

const TITLE_WORDS = ['Midnight', 'Echoes', 'Neon', 'Rain', 'Velvet', 'Static', 'Golden', 'Hour', 'Paper', 'Moons'];

/** A signed cast.created webhook for each performance: in the performance channel with an audio embed, titles of
 * varied length (the card picks its title size by length). */
async function seedDeliveries(casts: Casts, secret: string): Promise<FrameRequest[]> {
  const random = createRandom(7);
  const all = [...casts.warm, ...casts.sequential, ...casts.measured];
  return Promise.all(
    all.map(async (hash, i) => {
      const words = Array.from({ length: 2 + random.int(6) }, () => TITLE_WORDS[random.int(TITLE_WORDS.length)]);
      const payload = castCreated({
        hash,
        author: user(700_000 + i),
        text: `${words.join(' ')} (take ${i + 1})\nrecorded live`,
        parentUrl: PERFORMANCE_CHANNEL,
        embeds: [{ url: `https://cdn.example.com/audio/${hash}.mp3`, metadata: { content_type: 'audio/mpeg' } }],
        at: Date.now() - (all.length - i) * 1000,
      });
      const delivery = await signed(secret, payload);
      return { method: 'POST', path: '/webhooks/neynar', headers: delivery.headers, body: Buffer.from(delivery.body) };
    }),
  );
}

/** Poll the read API until every seeded performance is applied; answers them as the API serves them. */
async function waitForPerformances(port: number, hashes: string[]): Promise<Performance[]> {
  const deadline = performance.now() + 120_000;
  const found = new Map<string, Performance>();
  while (found.size < hashes.length) {
    for (const hash of hashes) {
      if (found.has(hash)) continue;
      const res = await fetch(`http://127.0.0.1:${port}/api/performances/${hash}`);
      if (res.status === 200) found.set(hash, performanceSchema.parse(await res.json()));
      else await res.arrayBuffer();
    }
    if (found.size < hashes.length) {
      if (performance.now() > deadline) throw new Error(`${hashes.length - found.size} performances never applied`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return hashes.map((h) => found.get(h) as Performance);
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The `fc:frame:image` URL of a frame page, as a path on the server (both servers use absolute URLs). */
function imagePathOf(html: string): string | null {
  const content = /<meta property="fc:frame:image" content="([^"]*)"/.exec(html)?.[1];
  if (content === undefined) return null;
  const url = new URL(decodeEntities(content));
  return `${url.pathname}${url.search}`;
}

/** Read each performance's frame once (not measured) and remember the image it names. */
async function collectImages(target: Target, hashes: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < hashes.length) {
      const hash = hashes[next++] as string;
      const res = await fetch(`http://127.0.0.1:${target.server.port}/frames/performance/${hash}`);
      const image = imagePathOf(await res.text());
      if (res.status !== 200 || image === null) {
        throw new Error(`${target.name}: frame of ${hash} answered ${res.status}`);
      }
      target.images.set(hash, image);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
}

const frameGets = (hashes: string[]): FrameRequest[] =>
  hashes.map((hash) => ({ method: 'GET', path: `/frames/performance/${hash}` }));

function imageGets(target: Target, hashes: string[]): FrameRequest[] {
  return hashes.map((hash) => {
    const image = target.images.get(hash);
    if (image === undefined) throw new Error(`${target.name}: no image collected for ${hash}`);
    return { method: 'GET', path: image };
  });
}

const isFrame: ResponseCheck = ({ status, headers, body }) => {
  if (status !== 200) return `status ${status}`;
  if (!String(headers['content-type']).startsWith('text/html')) return `content-type ${headers['content-type']}`;
  return body.includes('property="fc:frame:image"') ? null : 'no fc:frame:image meta tag';
};

const isCardPng: ResponseCheck = ({ status, headers, body }) => {
  if (status !== 200) return `status ${status}`;
  if (headers['content-type'] !== 'image/png') return `content-type ${headers['content-type']}`;
  const size = readPngSize(body);
  if (size === null) return 'not a PNG';
  return size.width === 1200 && size.height === 630 ? null : `PNG is ${size.width}x${size.height}, not 1200x630`;
};

const isFrameOrCard: ResponseCheck = (res) =>
  String(res.headers['content-type']).startsWith('image/') ? isCardPng(res) : isFrame(res);

/** Refresh (button 2) signed by each signer on a frame of `target`, pre-signed so signing is never measured. The
 * i-th signer signs for performance i + offset, so a second round from the same signers is a new viewer too. */
async function signRefreshes(
  target: Target,
  signers: FrameSigner[],
  hashes: string[],
  offset: number,
): Promise<FrameRequest[]> {
  const requests: FrameRequest[] = [];
  for (const [i, signer] of signers.entries()) {
    const hash = hashes[(i + offset) % hashes.length] as `0x${string}`;
    const { body } = await signer.sign({
      url: `${target.origin}/frames/performance/${hash}`,
      buttonIndex: 2,
      castId: { fid: 1, hash },
    });
    requests.push({
      method: 'POST',
      path: `/frames/performance/${hash}`,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(body)),
    });
  }
  return requests;
}

/** One measured phase: what to send to a server, how many in flight, and when to stop. */
interface PhasePlan {
  phase: string;
  requests: (target: Target) => FrameRequest[];
  concurrency: number;
  /** Requests to send; null: cycle the list until maxSeconds (a time-limited phase). */
  count: number | null;
  maxSeconds: number;
  check: ResponseCheck;
  /** GigaVibe only (the stock server has no image cache, so its cached rows would repeat its cold rows). */
  gigavibeOnly?: boolean;
}

/** What a measurement reads besides the answers: the hub stand-in's lookups and the database's CPU. */
interface Probes {
  hub: HubStandIn;
  postmasterPid: number | null;
}

async function measure(probes: Probes, target: Target, plan: PhasePlan): Promise<PhaseRun> {
  const requests = plan.requests(target);
  const count = plan.count ?? MANY;
  const maxSeconds =
    target.name === 'stock Frog' && plan.phase === SOAK
      ? Math.min(plan.maxSeconds, FROG_SOAK_SECONDS)
      : plan.maxSeconds;
  const dbPid = target.name === 'GigaVibe' ? probes.postmasterPid : null;
  const cpu0 = processCpuSeconds(target.server.pid);
  const db0 = dbPid === null ? 0 : clusterCpuSeconds(dbPid);
  const lookups0 = probes.hub.requests.length;
  const client0 = process.cpuUsage();
  const machine0 = machineCpuSeconds();
  const wall0 = performance.now();
  const rss = sampleRss(target.server.pid);
  const drive = await driveRequests(requests, {
    port: target.server.port,
    concurrency: plan.concurrency,
    count,
    maxSeconds,
    check: plan.check,
    openWith: '/healthz',
  });
  const memory = rss.stop();
  const cpuSeconds = processCpuSeconds(target.server.pid) - cpu0;
  const dbCpuSeconds = dbPid === null ? null : clusterCpuSeconds(dbPid) - db0;
  const client = process.cpuUsage(client0);
  const busy = machineCpuSeconds().busy - machine0.busy;
  const others = busy - cpuSeconds - (dbCpuSeconds ?? 0) - (client.user + client.system) / 1e6;
  const run: PhaseRun = {
    phase: plan.phase,
    server: target.name,
    inFlight: Math.min(plan.concurrency, count),
    timeLimited: plan.count === null,
    drive,
    rss: memory,
    cpuSeconds,
    dbCpuSeconds,
    hubLookups: probes.hub.requests.length - lookups0,
    otherCores: Math.max(0, others) / ((performance.now() - wall0) / 1000),
  };
  const sorted = Float64Array.from(drive.latenciesMs).sort();
  console.log(
    `  ${plan.phase.padEnd(36)} ${target.name.padEnd(10)} ${num(drive.sent).padStart(7)} requests, ` +
      `${num(drive.ok / drive.seconds, 1).padStart(8)} req/s, p50 ${num(percentile(sorted, 0.5), 1)} ms, ` +
      `p99 ${num(percentile(sorted, 0.99), 1)} ms${drive.failed > 0 ? `, ${num(drive.failed)} FAILED` : ''}`,
  );
  return run;
}

/** Warm-up traffic (JIT, connections, fonts, the first renders): checked like measured traffic, never reported. */
async function warm(target: Target, requests: FrameRequest[], check: ResponseCheck, concurrency: number) {
  const drive = await driveRequests(requests, {
    port: target.server.port,
    concurrency,
    count: requests.length,
    maxSeconds: 120,
    check,
  });
  if (drive.failed > 0)
    throw new Error(`${target.name} warm-up: ${drive.failed} requests failed (${drive.firstFailure})`);
}

function statusText(drive: DriveResult): string {
  const errors = [...drive.statuses.entries()].filter(([status]) => !status.startsWith('2'));
  return errors.length === 0 ? 'none' : errors.map(([status, n]) => `${status}×${num(n)}`).join(' ');
}

function table(runs: PhaseRun[]): string {
  const rows = runs.map((r) => {
    const sorted = Float64Array.from(r.drive.latenciesMs).sort();
    const slope = r.rss.lastHalfSlopeMbPerMin;
    return [
      r.phase,
      r.server,
      String(r.inFlight),
      num(r.drive.sent),
      num(r.drive.ok / r.drive.seconds, 1),
      num(percentile(sorted, 0.5), 1),
      num(percentile(sorted, 0.9), 1),
      num(percentile(sorted, 0.99), 1),
      num(sorted.at(-1) ?? Number.NaN, 1),
      statusText(r.drive),
      num(r.rss.startMb),
      num(r.rss.peakMb),
      num(r.rss.endMb),
      slope === null ? '—' : `${slope >= 0 ? '+' : ''}${num(slope, 1)}`,
      num((r.cpuSeconds * 1000) / Math.max(1, r.drive.sent), 2),
      r.dbCpuSeconds === null ? '—' : num((r.dbCpuSeconds * 1000) / Math.max(1, r.drive.sent), 2),
      num(r.otherCores, 2),
    ];
  });
  return formatTable(
    [
      'phase',
      'server',
      'in flight',
      'requests',
      'req/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'errors',
      'RSS start MiB',
      'peak',
      'end',
      'slope MiB/min',
      'server CPU ms/req',
      'postgres CPU ms/req',
      'other cores',
    ],
    rows,
  );
}

/** The issue's four targets, judged on GigaVibe at the benchmark's load (`--concurrency` in flight; cold renders
 * one at a time, as "cold render p50" means); 1-in-flight figures are shown beside them for context. */
function verdicts(runs: PhaseRun[]): { lines: string[]; met: number; total: number } {
  const find = (phase: string) => runs.find((r) => r.server === 'GigaVibe' && r.phase === phase);
  const quantile = (phase: string, q: number) => {
    const run = find(phase);
    return run === undefined ? Number.NaN : percentile(Float64Array.from(run.drive.latenciesMs).sort(), q);
  };
  const cold = quantile('image cold, 1 in flight', 0.5);
  const cached = quantile('image cached', 0.99);
  const cachedOne = quantile('image cached, 1 in flight', 0.99);
  const postWarm = quantile('POST, warm signer cache', 0.99);
  const postCold = quantile('POST, cold signer cache', 0.99);
  const postOne = quantile('POST, warm signer cache, 1 in flight', 0.99);
  const steady = find(SOAK) ?? find('image cached');
  const slope = steady?.rss.lastHalfSlopeMbPerMin ?? null;
  const growth =
    steady === undefined || !Number.isFinite(steady.rss.firstHalfPeakMb) || !Number.isFinite(steady.rss.lastHalfPeakMb)
      ? null
      : steady.rss.lastHalfPeakMb / steady.rss.firstHalfPeakMb - 1;
  const inFlight = find('image cached')?.inFlight ?? 0;
  const checks = [
    {
      ok: cold < TARGETS.coldP50Ms,
      text: `cold image render p50 < ${TARGETS.coldP50Ms} ms (1 in flight): ${num(cold, 1)} ms`,
    },
    {
      ok: cached < TARGETS.cachedP99Ms,
      text:
        `cached image p99 < ${TARGETS.cachedP99Ms} ms (${inFlight} in flight): ${num(cached, 2)} ms ` +
        `(1 in flight: ${num(cachedOne, 2)} ms)`,
    },
    {
      ok: postWarm < TARGETS.postP99Ms && postCold < TARGETS.postP99Ms,
      text:
        `verified POST p99 < ${TARGETS.postP99Ms} ms (${inFlight} in flight): warm signer cache ${num(postWarm, 1)} ms, ` +
        `cold signer cache ${num(postCold, 1)} ms with the hub on loopback (1 in flight, warm: ${num(postOne, 1)} ms)`,
    },
    {
      ok: growth !== null && growth <= STEADY_PEAK_GROWTH,
      text:
        `memory steady under load (highest RSS of the second half of "${steady?.phase ?? SOAK}" at most ` +
        `${num(STEADY_PEAK_GROWTH * 100)}% above the first half's): ` +
        (steady === undefined || growth === null
          ? 'not measured'
          : `${num(steady.rss.firstHalfPeakMb)} -> ${num(steady.rss.lastHalfPeakMb)} MiB ` +
            `(${growth >= 0 ? '+' : ''}${num(growth * 100, 1)}%; RSS ${num(steady.rss.startMb)} at start, ` +
            `${num(steady.rss.endMb)} at end, slope over the last half ${num(slope, 1)} MiB/min)`),
    },
  ];
  return {
    lines: checks.map((c) => `  ${c.ok ? 'PASS' : 'FAIL'}  ${c.text}`),
    met: checks.filter((c) => c.ok).length,
    total: checks.length,
  };
}

async function startGigaVibe(
  settings: Settings,
  hub: HubStandIn,
  secret: string,
  tmp: string,
  cleanup: Cleanup,
): Promise<{ target: Target; database: string; postmasterPid: number | null }> {
  let env: Record<string, string>;
  let database: string;
  let postmasterPid: number | null = null;
  if (settings.db === 'postgres') {
    console.log('starting PostgreSQL...');
    const postgres = await startPostgres(REPO_ROOT, process.env.BENCH_DATABASE_URL || undefined, cleanup.add);
    cleanup.add(postgres.stop);
    env = { DATABASE_URL: await postgres.createDatabase('frames_bench') };
    database = `${postgres.version}, ${postgres.description}`;
    postmasterPid = postgres.postmasterPid;
  } else {
    env = { BASE_RPC_URL: UNREACHABLE_RPC };
    database =
      `PGlite (embedded in the server process, data dir on local disk); BASE_RPC_URL=${UNREACHABLE_RPC} so the ` +
      'Node host does not start its devnet (nothing listens there; no performance has a coin, so nothing calls it)';
  }
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await startServer({
    name: 'GigaVibe server',
    cwd: REPO_ROOT,
    entry: 'src/node.ts',
    port,
    env: {
      PORT: String(port),
      PUBLIC_URL: origin,
      HUB_URL: hub.url,
      NEYNAR_WEBHOOK_SECRET: secret,
      DATA_DIR: path.join(tmp, 'gigavibe-data'),
      LOG_LEVEL: 'warn',
      ...env,
    },
    nodeArgs: settings.serverNodeArgs,
    logFile: path.join(tmp, 'gigavibe.log'),
  });
  cleanup.add(server.stop);
  return { target: { name: 'GigaVibe', server, origin, images: new Map() }, database, postmasterPid };
}

async function startStockFrog(hub: HubStandIn, performances: Performance[], tmp: string, cleanup: Cleanup) {
  const file = path.join(tmp, 'performances.json');
  await writeFile(file, JSON.stringify(performances));
  const port = await freePort();
  const server = await startServer({
    name: 'stock Frog server',
    cwd: REPO_ROOT,
    entry: 'scripts/bench/stockFrogServer.ts',
    port,
    env: { PORT: String(port), STOCK_FROG_PERFORMANCES: file, HUB_URL: hub.url },
    logFile: path.join(tmp, 'stock-frog.log'),
  });
  cleanup.add(server.stop);
  const target: Target = { name: 'stock Frog', server, origin: `http://127.0.0.1:${port}`, images: new Map() };
  return target;
}

/** Fetch the same warm-up performances' images from both servers and compare their pixels. */
async function comparePictures(a: Target, b: Target, hashes: string[]): Promise<string> {
  const results: string[] = [];
  let identical = 0;
  for (const hash of hashes) {
    const [pa, pb] = await Promise.all(
      [a, b].map(async (t) => {
        const res = await fetch(`http://127.0.0.1:${t.server.port}${t.images.get(hash)}`);
        return decodePng(new Uint8Array(await res.arrayBuffer()));
      }),
    );
    if (pa === undefined || pb === undefined) continue;
    const diff = comparePixels(pa, pb);
    if (diff.sameSize && diff.differingPixels === 0) identical++;
    else {
      results.push(
        diff.sameSize
          ? `${hash.slice(0, 10)}…: ${num(diff.differingPixels)} pixels differ (max channel delta ${diff.maxDelta})`
          : `${hash.slice(0, 10)}…: sizes differ`,
      );
    }
  }
  return `pixel comparison of the same card from both servers: ${identical} of ${hashes.length} identical${
    results.length > 0 ? `; ${results.join('; ')}` : ''
  }`;
}

async function main(): Promise<number> {
  let settings: Settings | null;
  try {
    settings = parseSettings(process.argv.slice(2));
  } catch (error) {
    console.error(`bench:frames: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (settings === null) {
    console.log(USAGE);
    return 0;
  }
  const s = settings;
  console.log('GigaVibe frames benchmark');
  console.log(machineLine());
  const background = await backgroundLoad();
  const backgroundLine =
    `background load before start: ${num(background, 2)} of ${os.availableParallelism()} cores busy` +
    (background > 0.2 ? ' (other work is running: numbers will be worse than on an idle machine)' : '');
  console.log(backgroundLine);

  const casts: Casts = {
    warm: Array.from({ length: WARM_PERFORMANCES }, (_, i) => castHash(i + 1, 'a')),
    sequential: Array.from({ length: s.sequential }, (_, i) => castHash(i + 1, 'b')),
    measured: Array.from({ length: s.performances }, (_, i) => castHash(i + 1, 'f')),
  };
  const allCasts = [...casts.warm, ...casts.sequential, ...casts.measured];
  const secret = randomBytes(32).toString('hex');
  const cleanup = createCleanup();
  const runs: PhaseRun[] = [];
  let failures = 0;
  const notes: string[] = [];
  let database = '';
  try {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'gigavibe-bench-frames-'));
    cleanup.add(() => rm(tmp, { recursive: true, force: true }));
    const hub = await startHubStandIn();
    cleanup.add(hub.close);
    const started = await startGigaVibe(s, hub, secret, tmp, cleanup);
    const gv = started.target;
    database = started.database;

    const t0 = performance.now();
    const seeded = await driveRequests(await seedDeliveries(casts, secret), {
      port: gv.server.port,
      concurrency: 8,
      count: allCasts.length,
      maxSeconds: 120,
    });
    if (seeded.failed > 0) throw new Error(`seeding: ${seeded.failed} webhooks failed (${seeded.firstFailure})`);
    const performances = await waitForPerformances(gv.server.port, allCasts);
    console.log(
      `seeded ${num(allCasts.length)} performances by signed webhooks in ${num((performance.now() - t0) / 1000, 1)} s ` +
        `(${WARM_PERFORMANCES} warm-up, ${s.sequential} sequential-cold, ${s.performances} measured)`,
    );
    const frog = s.skipFrog ? null : await startStockFrog(hub, performances, tmp, cleanup);
    const targets = frog === null ? [gv] : [gv, frog];

    const signers = Array.from({ length: WARM_FIDS + s.fids }, (_, i) => createFrameSigner(3_000_000 + i));
    for (const signer of signers) hub.register(signer.fid, signer.signerHex);
    const warmSigners = signers.slice(0, WARM_FIDS);
    const postSigners = signers.slice(WARM_FIDS);

    console.log('warming up (not measured)...');
    for (const t of targets) {
      await warm(t, frameGets(casts.warm), isFrame, s.concurrency);
      await warm(
        t,
        Array.from(
          { length: WARM_FRAME_REQUESTS },
          (_, i) => frameGets(casts.warm)[i % WARM_PERFORMANCES] as FrameRequest,
        ),
        isFrame,
        s.concurrency,
      );
      await collectImages(t, casts.warm);
      const images = imageGets(t, casts.warm);
      await warm(t, images, isCardPng, 1);
      await warm(t, [...images, ...images], isCardPng, s.concurrency);
    }
    // Before the warm-up POSTs: a signed action adds a viewer, which changes GigaVibe's card.
    if (frog !== null) notes.push(await comparePictures(gv, frog, casts.warm.slice(0, 4)));
    for (const t of targets) {
      await warm(t, await signRefreshes(t, warmSigners, casts.warm, 0), isFrame, s.concurrency);
    }

    const probes: Probes = { hub, postmasterPid: started.postmasterPid };
    const many = s.concurrency;
    const images = (hashes: string[]) => (t: Target) => imageGets(t, hashes);
    const getPlans: PhasePlan[] = [
      {
        phase: 'frame GET',
        requests: () => frameGets(casts.measured),
        concurrency: many,
        count: null,
        maxSeconds: s.seconds,
        check: isFrame,
      },
      {
        phase: 'image cold, 1 in flight',
        requests: images(casts.sequential),
        concurrency: 1,
        count: s.sequential,
        maxSeconds: s.seconds * 4,
        check: isCardPng,
      },
      {
        phase: 'image cold',
        requests: images(casts.measured),
        concurrency: many,
        count: s.performances,
        maxSeconds: s.seconds * 4,
        check: isCardPng,
      },
      {
        phase: 'image cached',
        requests: images(casts.measured),
        concurrency: many,
        count: null,
        maxSeconds: s.seconds,
        check: isCardPng,
        gigavibeOnly: true,
      },
      {
        phase: 'image cached, 1 in flight',
        requests: images(casts.measured),
        concurrency: 1,
        count: null,
        maxSeconds: Math.max(1, Math.round(s.seconds / 2)),
        check: isCardPng,
        gigavibeOnly: true,
      },
    ];
    if (s.soakSeconds > 0) {
      getPlans.push({
        phase: SOAK,
        requests: (t) => {
          const cards = imageGets(t, casts.measured);
          return frameGets(casts.measured).flatMap((frame, i) => [frame, cards[i] as FrameRequest]);
        },
        concurrency: many,
        count: null,
        maxSeconds: s.soakSeconds,
        check: isFrameOrCard,
      });
    }
    console.log('measuring, phase by phase (GigaVibe, then stock Frog):');
    for (const [i, plan] of getPlans.entries()) {
      await waitForQuiet(s.waitQuiet);
      // After the frame GETs, so GigaVibe's recent-card map is as a client reading frame then image would find it.
      if (i === 1) for (const t of targets) await collectImages(t, [...casts.sequential, ...casts.measured]);
      for (const t of targets) {
        if (t.name === 'GigaVibe' || plan.gigavibeOnly !== true) runs.push(await measure(probes, t, plan));
      }
    }

    const signStarted = performance.now();
    const rounds = new Map<string, FrameRequest[]>();
    for (const t of targets) {
      for (const [offset, round] of ['cold', 'warm', 'warm1'].entries()) {
        rounds.set(`${t.name}/${round}`, await signRefreshes(t, postSigners, casts.measured, offset));
      }
    }
    console.log(
      `  (signed ${num(postSigners.length * 3 * targets.length)} Refresh actions in ` +
        `${num((performance.now() - signStarted) / 1000, 1)} s, before the POST phases)`,
    );
    const postRounds = [
      { phase: 'POST, cold signer cache', round: 'cold', concurrency: many },
      { phase: 'POST, warm signer cache', round: 'warm', concurrency: many },
      { phase: 'POST, warm signer cache, 1 in flight', round: 'warm1', concurrency: 1 },
    ];
    for (const { phase, round, concurrency } of postRounds) {
      await waitForQuiet(s.waitQuiet);
      for (const t of targets) {
        const signedRound = rounds.get(`${t.name}/${round}`) ?? [];
        runs.push(
          await measure(probes, t, {
            phase,
            requests: () => signedRound,
            concurrency,
            count: signedRound.length,
            maxSeconds: s.seconds * 4,
            check: isFrame,
          }),
        );
      }
    }
    if (frog !== null) {
      const health = (await (await fetch(`http://127.0.0.1:${frog.server.port}/healthz`)).json()) as {
        refusedFetches?: string[];
      };
      const refused = health.refusedFetches ?? [];
      notes.push(
        refused.length === 0
          ? 'stock Frog rendered offline: no fetch left 127.0.0.1'
          : `stock Frog tried to fetch ${refused.length} non-loopback URLs (refused): ${[...new Set(refused)].join(', ')}`,
      );
    }
  } finally {
    await cleanup.run();
  }

  failures = runs.reduce((n, r) => n + r.drive.failed, 0);
  console.log('\nResults');
  console.log(machineLine());
  console.log(backgroundLine);
  console.log(`database: ${database}`);
  console.log(
    `load: keep-alive HTTP/1.1 to 127.0.0.1 from this process (connections opened before each phase's clock starts), ` +
      `${s.concurrency} in flight unless the phase says 1, ` +
      `phases time-limited to ${s.seconds} s (soak ${s.soakSeconds} s; cold and POST phases: count-limited, ` +
      `${s.seconds * 4} s at most); ` +
      `warm-ups before measuring: ${WARM_FRAME_REQUESTS + WARM_PERFORMANCES} frame GETs, ${WARM_PERFORMANCES * 3} ` +
      `image GETs and ${WARM_FIDS} POSTs on ${WARM_PERFORMANCES} other performances`,
  );
  console.log(
    `performances: ${s.performances} measured (frame GET, cold/cached image), ${s.sequential} more for the ` +
      `1-in-flight cold renders; POSTs: ${s.fids} signers, one Refresh each per round`,
  );
  console.log(`\n${table(runs)}\n`);
  console.log(
    '  CPU columns: server process, and PostgreSQL (throwaway cluster; PGlite runs inside the server), per request; ' +
      '"other cores": cores busy with anything but the server, its database and this load generator (0 on a quiet ' +
      'machine; a busy neighbour inflates latency).',
  );
  for (const r of runs.filter((x) => x.phase.startsWith('POST'))) {
    const hits = r.drive.sent - r.hubLookups;
    console.log(
      `  ${r.server} ${r.phase}: ${num(r.hubLookups)} hub signer lookups for ${num(r.drive.sent)} POSTs ` +
        `(signer cache hit rate ${num((100 * Math.max(0, hits)) / Math.max(1, r.drive.sent))}%)`,
    );
  }
  for (const r of runs.filter((x) => x.drive.failed > 0 || (x.drive.timedOut && !x.timeLimited))) {
    const parts = [
      r.drive.timedOut && !r.timeLimited ? `time limit reached after ${num(r.drive.sent)} requests` : null,
      r.drive.failed > 0 ? `${num(r.drive.failed)} failed, first: ${r.drive.firstFailure}` : null,
    ];
    console.log(`  ${r.server} ${r.phase}: ${parts.filter((p) => p !== null).join('; ')}`);
  }
  console.log(
    '  stock Frog has no image cache: every image request renders, so it has no cached rows and its soak mixes ' +
      `frame GETs with renders (capped at ${FROG_SOAK_SECONDS} s); it keeps the performances in memory (no ` +
      'database), so its frame GET and POST skip the reads and the replay-registry write GigaVibe does.',
  );
  for (const note of notes) console.log(`  ${note}`);
  const verdict = verdicts(runs);
  console.log(`\ntargets (GigaVibe): ${verdict.met} of ${verdict.total} met`);
  for (const line of verdict.lines) console.log(line);
  if (s.soakSeconds < 300) {
    console.log(
      `  (a ${s.soakSeconds} s soak sees about one major GC: V8 grows the heap lazily when memory is plentiful. For a ` +
        'firmer answer: --skip-frog --soak-seconds 300 --server-node-arg=--max-old-space-size=160, which fails or ' +
        'thrashes if the live set keeps growing.)',
    );
  }
  console.log(
    failures === 0
      ? '\nall responses correct: frame pages carry fc:frame:image, every image is a 1200x630 PNG, every POST 200'
      : `\n${num(failures)} requests FAILED (see above)`,
  );
  return failures === 0 ? 0 : 1;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`bench:frames failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
