/** `npm run bench:ingest`: webhook ingest benchmark. Starts the real Node server (src/node.ts) as a child process on
 * embedded PGlite and on a throwaway PostgreSQL cluster (fsync on), drives a deterministic signed Neynar workload at
 * it over keep-alive HTTP with a fixed number of requests in flight, waits for the inbox to drain, checks every
 * cast's counts against the reaction CRDT, and drives the same load, in the same run, at a no-op server (the same
 * HTTP stack and webhook route, storing nothing: scripts/bench/noopServer.ts) as the ceiling, at a server that only
 * commits to the inbox and never applies (scripts/bench/commitOnlyServer.ts: the acknowledgement path alone), and at a
 * naive read-modify-write server (scripts/bench/naiveServer.ts) for comparison. A benchmark, not a test: all traffic stays
 * on 127.0.0.1. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { withPgClient } from '../src/db/postgres.ts';
import { type Cleanup, createCleanup } from './bench/createCleanup.ts';
import { driveLoad, type LoadResult } from './bench/driveLoad.ts';
import { type CastCounts, expectedCounts } from './bench/expectedCounts.ts';
import {
  type Delivery,
  generateWorkload,
  type ReactionKind,
  reactionFacts,
  signWorkload,
  type Workload,
} from './bench/generateWorkload.ts';
import { backgroundLoad, machineLine, waitForQuiet } from './bench/machine.ts';
import { positive } from './bench/parseIntFlag.ts';
import { clusterCpuSeconds, machineCpuSeconds, processCpuSeconds } from './bench/readCpu.ts';
import { runSoak, type SoakResult, type WriteCounters } from './bench/soak.ts';
import { type BenchPostgres, startPostgres } from './bench/startPostgres.ts';
import { freePort, type ServerProcess, startServer } from './bench/startServer.ts';
import { formatTable, num, percentile } from './bench/summarize.ts';

const USAGE = `Webhook ingest benchmark: GigaVibe (inbox + CRDT) against a no-op server (the ceiling: same HTTP stack
and webhook route, stores nothing) and a naive read-modify-write server.

Usage: npm run bench:ingest -- [options]

Options:
  --only <db>          pglite or postgres (default: both)
  --events <n>         deliveries per server, casts included (default 20000 on PostgreSQL, 5000 on PGlite)
  --concurrency <n>    requests in flight (default 64)
  --casts <n>          performance casts (default 200)
  --fids <n>           distinct reactor fids to draw from (default 20000)
  --seed <n>           workload seed (default 42)
  --max-seconds <n>    time limit of each load phase; no delivery starts after it (default 120)
  --skip-naive         do not run the naive baseline
  --skip-noop          do not run the no-op ceiling
  --rest-ratios <list> also run GigaVibe once per comma-separated INGEST_APPLY_REST_RATIO (e.g. 1.5,3): how much
                       acknowledgement gains and freshness (e2e) loses when application rests longer under load
  --skip-commit-only   do not run the commit-only server (the acknowledgement path alone: the no-op's stack plus
                       the inbox commit, never applying; the most acknowledgements any apply strategy could reach)
  --warmup <n>         deliveries sent (to other casts and users) and drained before each timed run, so JIT
                       and connection set-up are not measured; 0 to measure a cold server (default 1000)
  --timeline           also print acknowledgements and latency per second of each run
  --wait-quiet <s>     before each run, wait up to s seconds for other processes to leave the CPUs idle
                       (shared machines; default 0)
  --soak <s>            after the runs, soak a fresh GigaVibe server for s seconds at a fixed rate (open loop:
                       likes from new fids, every tenth a removal), reporting p99, memory, inbox backlog, CPU
                       per event and (PostgreSQL) WAL, full-page images and checkpoints per window (default 0)
  --soak-rate <n>      deliveries per second of the soak (default 70% of GigaVibe's ack rate in this run)
  --soak-window <s>    soak report window (default 60)
  --server-env K=V     extra environment for the GigaVibe server (repeatable), for experiments
  --pg-setting K=V     a server setting for the throwaway PostgreSQL cluster (repeatable), e.g.
                       max_wal_size=16GB; the report prints the write settings either way
  --server-node-arg A  extra node option for the GigaVibe and no-op servers, e.g. --cpu-prof (repeatable)
  --help               show this help

Environment: BENCH_DATABASE_URL uses that PostgreSQL server (two scratch databases are created and dropped)
instead of starting a throwaway cluster.`;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DRAIN_TIMEOUT_MS = 300_000;

type DbKind = 'pglite' | 'postgres';

interface Settings {
  only: DbKind | null;
  events: number | null;
  concurrency: number;
  casts: number;
  fids: number;
  seed: number;
  maxSeconds: number;
  skipNaive: boolean;
  skipNoop: boolean;
  skipCommitOnly: boolean;
  restRatios: number[];
  waitQuiet: number;
  timeline: boolean;
  warmup: number;
  serverEnv: Record<string, string>;
  pgSettings: Record<string, string>;
  serverNodeArgs: string[];
  soakSeconds: number;
  soakRate: number | null;
  soakWindow: number;
}

type ServerKind = 'no-op' | 'commit-only' | 'GigaVibe' | 'naive';

interface RunReport {
  server: ServerKind;
  /** The server, and its variant when a run has several of one kind (GigaVibe at another rest ratio). */
  label: string;
  load: LoadResult;
  events: number;
  drainSeconds: number | null;
  /** Events still pending when the load ended (the first drain poll). */
  backlog: number | null;
  mismatches: string[];
  checked: number;
  failedEvents: number | null;
  expectedDuplicates: number;
  cpu: { server: number; db: number | null; client: number; machineBusy: number; wall: number };
}

interface DbReport {
  kind: DbKind;
  version: string;
  description: string;
  runs: RunReport[];
  soak: { rate: number; result: SoakResult; drainSeconds: number; mismatches: string[] } | null;
}

function parseSettings(argv: string[]): Settings | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      events: { type: 'string' },
      concurrency: { type: 'string' },
      casts: { type: 'string' },
      fids: { type: 'string' },
      seed: { type: 'string' },
      'max-seconds': { type: 'string' },
      'skip-naive': { type: 'boolean' },
      'skip-noop': { type: 'boolean' },
      'skip-commit-only': { type: 'boolean' },
      'rest-ratios': { type: 'string' },
      'wait-quiet': { type: 'string' },
      timeline: { type: 'boolean' },
      warmup: { type: 'string' },
      'server-env': { type: 'string', multiple: true },
      'pg-setting': { type: 'string', multiple: true },
      'server-node-arg': { type: 'string', multiple: true },
      soak: { type: 'string' },
      'soak-rate': { type: 'string' },
      'soak-window': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  if (values.only !== undefined && values.only !== 'pglite' && values.only !== 'postgres') {
    throw new Error('--only must be pglite or postgres');
  }
  const serverEnv: Record<string, string> = {};
  for (const pair of values['server-env'] ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--server-env must be KEY=VALUE, got "${pair}"`);
    serverEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const pgSettings: Record<string, string> = {};
  for (const pair of values['pg-setting'] ?? []) {
    const match = /^([a-z_][a-z0-9_.]*)=([A-Za-z0-9_.]+)$/.exec(pair);
    if (match === null) throw new Error(`--pg-setting must be name=value (letters, digits, _ and .), got "${pair}"`);
    pgSettings[match[1] ?? ''] = match[2] ?? '';
  }
  if (Object.keys(pgSettings).length > 0 && process.env.BENCH_DATABASE_URL) {
    throw new Error('--pg-setting applies to the throwaway cluster; with BENCH_DATABASE_URL set the server yourself');
  }
  const casts = positive(values.casts, 'casts', 200, 10_000);
  const events = values.events === undefined ? null : positive(values.events, 'events', 0, 1_000_000);
  if (events !== null && events < casts) throw new Error(`--events (${events}) must be at least --casts (${casts})`);
  return {
    only: values.only ?? null,
    events,
    concurrency: positive(values.concurrency, 'concurrency', 64, 1024),
    casts,
    fids: positive(values.fids, 'fids', 20_000, 10_000_000),
    seed: positive(values.seed, 'seed', 42, 2 ** 31),
    maxSeconds: positive(values['max-seconds'], 'max-seconds', 120, 3600),
    skipNaive: values['skip-naive'] ?? false,
    skipNoop: values['skip-noop'] ?? false,
    skipCommitOnly: values['skip-commit-only'] ?? false,
    restRatios: restRatiosOf(values['rest-ratios']),
    timeline: values.timeline ?? false,
    warmup: values.warmup === '0' ? 0 : positive(values.warmup, 'warmup', 1000, 100_000),
    waitQuiet: values['wait-quiet'] === undefined ? 0 : positive(values['wait-quiet'], 'wait-quiet', 0, 3600),
    serverEnv,
    pgSettings,
    serverNodeArgs: values['server-node-arg'] ?? [],
    soakSeconds: values.soak === undefined || values.soak === '0' ? 0 : positive(values.soak, 'soak', 0, 86_400),
    soakRate: values['soak-rate'] === undefined ? null : positive(values['soak-rate'], 'soak-rate', 0, 1_000_000),
    soakWindow: positive(values['soak-window'], 'soak-window', 60, 3600),
  };
}

/** `--rest-ratios 1,2.5`: numbers between 0 and 20 (INGEST_APPLY_REST_RATIO's range). */
function restRatiosOf(value: string | undefined): number[] {
  if (value === undefined) return [];
  return value.split(',').map((part) => {
    const n = Number(part.trim());
    if (part.trim() === '' || !Number.isFinite(n) || n < 0 || n > 20) {
      throw new Error(`--rest-ratios takes numbers between 0 and 20, got "${part}"`);
    }
    return n;
  });
}

async function getJson(port: number, pathname: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}${pathname}`, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

/** Poll /healthz until no event is pending; returns seconds waited, the failed-event count, and how many events were
 * pending at the first poll (the backlog left when the load ended). */
async function waitForDrain(port: number): Promise<{ seconds: number; failed: number; backlog: number }> {
  const started = performance.now();
  let backlog: number | null = null;
  for (;;) {
    const { status, json } = await getJson(port, '/healthz');
    const db = (json as { database?: { pendingEvents?: unknown; failedEvents?: unknown } }).database;
    if (backlog === null && typeof db?.pendingEvents === 'number') backlog = db.pendingEvents;
    if (status === 200 && db?.pendingEvents === 0) {
      return {
        seconds: (performance.now() - started) / 1000,
        failed: Number(db.failedEvents ?? 0),
        backlog: backlog ?? 0,
      };
    }
    if (performance.now() - started > DRAIN_TIMEOUT_MS) {
      throw new Error(`inbox not drained after ${DRAIN_TIMEOUT_MS / 1000} s (last /healthz: ${JSON.stringify(json)})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Compare every cast's counts as the server reports them with the CRDT's expectation. */
async function verifyCounts(
  castHashes: string[],
  expected: Map<string, CastCounts>,
  read: (hash: string) => Promise<CastCounts | string>,
): Promise<string[]> {
  const mismatches: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < castHashes.length) {
      const hash = castHashes[next++] ?? '';
      const want = expected.get(hash) ?? { likes: 0, recasts: 0 };
      const got = await read(hash);
      if (typeof got === 'string') mismatches.push(`${hash}: ${got}`);
      else if (got.likes !== want.likes || got.recasts !== want.recasts) {
        mismatches.push(
          `${hash}: likes ${got.likes} (want ${want.likes}), recasts ${got.recasts} (want ${want.recasts})`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return mismatches.sort();
}

/** The commit-only server's inbox against the new deliveries it acknowledged (empty when they agree). */
async function storedMismatch(port: number, newAcked: number): Promise<string[]> {
  const { status, json } = await getJson(port, '/stored');
  const stored = (json as { stored?: unknown } | null)?.stored;
  if (status !== 200 || typeof stored !== 'number') return [`GET /stored: HTTP ${status}`];
  return stored === newAcked ? [] : [`inbox holds ${stored} rows, ${newAcked} new deliveries were acknowledged`];
}

function countsFrom(json: unknown): CastCounts | string {
  const m = (json as { metrics?: { likes?: unknown; recasts?: unknown } } | null)?.metrics ?? json;
  const { likes, recasts } = (m ?? {}) as { likes?: unknown; recasts?: unknown };
  return typeof likes === 'number' && typeof recasts === 'number' ? { likes, recasts } : `unexpected ${String(json)}`;
}

/** The signed deliveries of a run: the warm-up phases, then the measured workload. */
interface Prepared {
  warmup: Delivery[][];
  workload: Workload;
  signed: { casts: Delivery[]; reactions: Delivery[] };
}

interface RunTarget {
  server: ServerKind;
  label?: string;
  kind: DbKind;
  start: () => Promise<ServerProcess>;
  postgres: BenchPostgres | null;
}

async function runOne(
  target: RunTarget,
  { warmup, workload, signed: signedLoad }: Prepared,
  reactionCount: number,
  settings: Settings,
  cleanup: Cleanup,
): Promise<RunReport> {
  const phases = [signedLoad.casts, signedLoad.reactions.slice(0, reactionCount)];
  const server = await target.start();
  cleanup.add(server.stop);
  try {
    const loadOptions = {
      port: server.port,
      path: '/webhooks/neynar',
      concurrency: settings.concurrency,
      maxSeconds: settings.maxSeconds,
    };
    /** New deliveries acknowledged so far (what the commit-only server must have stored). */
    let newAcked = 0;
    if (warmup.some((phase) => phase.length > 0)) {
      const warm = await driveLoad(warmup, loadOptions);
      if (warm.failed > 0) console.log(`    warm-up: ${warm.failed} deliveries failed (${warm.firstFailure})`);
      if (target.server === 'GigaVibe') await waitForDrain(server.port);
      newAcked += warm.acked - warm.duplicateAcks;
    }
    const pmPid = target.postgres?.postmasterPid ?? null;
    // Every run starts from a clean checkpoint, so none pays for the pages an earlier run dirtied.
    if (target.postgres !== null) await withPgClient(target.postgres.url, (c) => c.query('checkpoint'));
    const cpu0 = {
      server: processCpuSeconds(server.pid),
      db: pmPid === null ? null : clusterCpuSeconds(pmPid),
      client: process.cpuUsage(),
      machine: machineCpuSeconds(),
      wall: performance.now(),
    };
    const load = await driveLoad(phases, loadOptions);
    let drainSeconds: number | null = null;
    let failedEvents: number | null = null;
    let backlog: number | null = null;
    if (target.server === 'GigaVibe') {
      const drained = await waitForDrain(server.port);
      drainSeconds = drained.seconds;
      failedEvents = drained.failed;
      backlog = drained.backlog;
    }
    const client = process.cpuUsage(cpu0.client);
    const machine = machineCpuSeconds();
    const cpu = {
      server: processCpuSeconds(server.pid) - cpu0.server,
      db: pmPid === null || cpu0.db === null ? null : clusterCpuSeconds(pmPid) - cpu0.db,
      client: (client.user + client.system) / 1e6,
      machineBusy: machine.busy - cpu0.machine.busy,
      wall: (performance.now() - cpu0.wall) / 1000,
    };
    const sentReactions = load.dispatched[1] ?? 0;
    const expected = expectedCounts(reactionFacts(workload, sentReactions));
    const sentCasts = workload.castHashes.slice(0, load.dispatched[0] ?? 0);
    const readPath = target.server === 'GigaVibe' ? '/api/performances/' : '/counts/';
    newAcked += load.acked - load.duplicateAcks;
    // The no-op server keeps nothing to check; the commit-only server must hold every new delivery it acknowledged.
    const mismatches =
      target.server === 'no-op'
        ? []
        : target.server === 'commit-only'
          ? await storedMismatch(server.port, newAcked)
          : await verifyCounts(sentCasts, expected, async (hash) => {
              const { status, json } = await getJson(server.port, `${readPath}${hash}`);
              return status === 200 ? countsFrom(json) : `HTTP ${status}`;
            });
    const expectedDuplicates = workload.reactions.slice(0, sentReactions).filter((r) => r.kind === 'duplicate').length;
    return {
      server: target.server,
      label: target.label ?? target.server,
      load,
      events: (load.dispatched[0] ?? 0) + sentReactions,
      drainSeconds,
      backlog,
      mismatches,
      checked: target.server === 'no-op' || target.server === 'commit-only' ? 0 : sentCasts.length,
      failedEvents,
      expectedDuplicates,
      cpu,
    };
  } finally {
    await server.stop();
  }
}

function workloadLine(workload: Workload, settings: Settings, reactions: number): string {
  const mix = new Map<ReactionKind, number>();
  for (const item of workload.reactions.slice(0, reactions)) mix.set(item.kind, (mix.get(item.kind) ?? 0) + 1);
  const part = (k: ReactionKind, label: string) => `${num(mix.get(k) ?? 0)} ${label}`;
  return (
    `workload (seed ${settings.seed}): ${num(workload.casts.length)} performance casts, then ${num(reactions)} ` +
    `reactions from up to ${num(settings.fids)} fids: ${part('like', 'likes')}, ${part('recast', 'recasts')}, ` +
    `${part('removal', 'removals')}, ${part('duplicate', 'exact duplicates')}, ${part('out-of-order', 'out of order')}`
  );
}

/** Per second of a run: acknowledgements and their latency, to tell warm-up and stalls from steady state. */
function timeline(r: RunReport): string {
  const buckets: number[][] = [];
  r.load.ackedAtMs.forEach((at, i) => {
    const second = Math.floor(at / 1000);
    const bucket = buckets[second] ?? [];
    bucket.push(r.load.latenciesMs[i] ?? 0);
    buckets[second] = bucket;
  });
  const rows = Array.from(buckets, (bucket, second) => {
    const sorted = Float64Array.from(bucket ?? []).sort();
    return [
      String(second),
      num(sorted.length),
      num(percentile(sorted, 0.5), 1),
      num(percentile(sorted, 0.99), 1),
      num(sorted.length > 0 ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN, 1),
    ];
  });
  const table = formatTable(['second', 'acks', 'p50 ms', 'p99 ms', 'max ms'], rows);
  return `  ${r.label} timeline:\n${table.replace(/^/gm, '    ')}`;
}

function report(db: DbReport, settings: Settings): string {
  const rate = (r: RunReport) => r.load.acked / r.load.seconds;
  /** Events applied per second: from the first delivery until the inbox is drained. */
  const e2eRate = (r: RunReport) => r.load.acked / (r.load.seconds + (r.drainSeconds ?? 0));
  const p99 = (r: RunReport) => percentile(Float64Array.from(r.load.latenciesMs).sort(), 0.99);
  const exactOf = (r: RunReport) =>
    r.server === 'no-op'
      ? 'n/a'
      : r.mismatches.length === 0 && r.load.failed === 0 && (r.failedEvents ?? 0) === 0
        ? 'yes'
        : 'no';
  const ceiling = db.runs.find((r) => r.server === 'no-op');
  const rows = db.runs.map((r) => {
    const sorted = Float64Array.from(r.load.latenciesMs).sort();
    return [
      r.label,
      num(r.events),
      num(rate(r)),
      ceiling ? `${num(rate(r) / rate(ceiling), 2)}x` : 'n/a',
      r.server === 'commit-only' ? 'n/a' : num(e2eRate(r)),
      num(percentile(sorted, 0.5), 1),
      num(percentile(sorted, 0.99), 1),
      ceiling ? `${num(p99(r) / p99(ceiling), 2)}x` : 'n/a',
      num(sorted.length > 0 ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN, 1),
      r.drainSeconds === null ? 'n/a' : num(r.drainSeconds, 2),
      exactOf(r),
    ];
  });
  const lines = [
    `== ${db.version} (${db.kind}): ${db.description}`,
    formatTable(
      [
        'server',
        'events',
        'ack ev/s',
        'vs no-op',
        'e2e ev/s',
        'p50 ms',
        'p99 ms',
        'p99 vs no-op',
        'max ms',
        'drain s',
        'exact',
      ],
      rows,
    ),
  ];
  for (const r of db.runs) {
    const statuses = [...r.load.statuses.entries()].map(([s, n]) => `${s}×${num(n)}`).join(' ');
    const detail = [
      `${r.label}: ${num(r.load.seconds, 2)} s load, statuses ${statuses}`,
      r.load.retries > 0 ? `${num(r.load.retries)} retries` : null,
      r.load.failed > 0 ? `${num(r.load.failed)} failed (first: ${r.load.firstFailure})` : null,
      r.server === 'GigaVibe' ? `duplicate acks ${num(r.load.duplicateAcks)}/${num(r.expectedDuplicates)}` : null,
      r.failedEvents !== null ? `inbox failed events ${num(r.failedEvents)}` : null,
      r.backlog !== null && r.drainSeconds !== null
        ? `${num(r.backlog)} pending when the load ended` +
          (r.backlog > 0 && r.drainSeconds > 0
            ? `, applied alone at ≈${num(r.backlog / r.drainSeconds)} ev/s (50 ms polls)`
            : '')
        : null,
      r.load.timedOut ? `TIME LIMIT (${settings.maxSeconds} s) reached: sent ${num(r.events)} events` : null,
    ].filter((x) => x !== null);
    lines.push(`  ${detail.join('; ')}`);
    if (r.server === 'commit-only')
      lines.push(
        `  commit-only inbox: ${r.mismatches.length === 0 ? 'every new delivery acknowledged is stored' : r.mismatches.join('; ')}`,
      );
    else if (r.server !== 'no-op')
      lines.push(
        `  ${r.label} counts: ${r.mismatches.length === 0 ? `exact: yes (${num(r.checked)} casts checked)` : `exact: no, ${num(r.mismatches.length)} of ${num(r.checked)} casts differ, e.g. ${r.mismatches.slice(0, 3).join('; ')}`}`,
      );
    const c = r.cpu;
    const other = c.machineBusy - c.server - (c.db ?? 0) - c.client;
    const dbPart = c.db === null ? (db.kind === 'pglite' ? 'db in server' : 'db n/a') : `postgres ${num(c.db, 1)}`;
    lines.push(
      `  ${r.label} CPU s over ${num(c.wall, 1)} s wall (load + drain): server ${num(c.server, 1)}, ${dbPart}, ` +
        `bench client ${num(c.client, 1)}, other processes ${num(Math.max(0, other), 1)}; ` +
        `machine busy ${num(c.machineBusy, 1)} of ${num(c.wall * os.availableParallelism(), 1)}`,
    );
    const perEvent = (seconds: number) => num((seconds * 1000) / Math.max(1, r.load.acked), 3);
    const ownPerEvent = (c.server + (c.db ?? 0) + c.client) / Math.max(1, r.load.acked);
    const dbKnown = c.db !== null || db.kind === 'pglite';
    lines.push(
      `  ${r.label} CPU ms per event: server ${perEvent(c.server)}` +
        `${c.db === null ? '' : `, postgres ${perEvent(c.db)}`}, client ${perEvent(c.client)}` +
        (dbKnown
          ? `; if CPU were the only limit, ${os.availableParallelism()} idle cores would allow ` +
            `≈${num(os.availableParallelism() / ownPerEvent)} ev/s`
          : ''),
    );
  }
  if (settings.timeline) for (const r of db.runs) lines.push(timeline(r));
  const gv = db.runs.find((r) => r.server === 'GigaVibe');
  const naive = db.runs.find((r) => r.server === 'naive');
  if (gv && naive) {
    const ratio = gv.load.acked / gv.load.seconds / (naive.load.acked / naive.load.seconds);
    lines.push(`  ratio GigaVibe/naive (ack events/s): ${num(ratio, 2)}x`);
  }
  if (gv) {
    const ack = rate(gv);
    const e2e = e2eRate(gv);
    const exact = gv.mismatches.length === 0 && gv.load.failed === 0 && !gv.failedEvents;
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const parts: string[] = [];
    if (db.kind === 'postgres') {
      if (ceiling)
        parts.push(`ack >= 0.75x no-op (${num(ack / rate(ceiling), 2)}x) ${verdict(ack >= 0.75 * rate(ceiling))}`);
      const commitOnly = db.runs.find((r) => r.server === 'commit-only');
      if (ceiling && commitOnly) {
        const most = rate(commitOnly) / rate(ceiling);
        lines.push(
          `  the acknowledgement path alone (commit-only) reaches ${num(most, 2)}x the no-op server here: ` +
            `${most >= 0.75 ? 'the 0.75x target is within reach of the apply strategy' : 'no apply strategy can reach 0.75x on this machine'}; ` +
            `GigaVibe acknowledges at ${num(ack / rate(commitOnly), 2)}x the commit-only rate while applying`,
        );
      }
      parts.push(`p99 ack < 50 ms (${num(p99(gv), 1)}) ${verdict(p99(gv) < 50)}`);
      parts.push(`e2e >= 0.7x ack (${num(e2e / ack, 2)}x) ${verdict(e2e >= 0.7 * ack)}`);
      if (gv.cpu.db !== null) {
        const perEvent = (gv.cpu.db * 1000) / Math.max(1, gv.load.acked);
        parts.push(`PostgreSQL CPU <= 0.2 ms per applied event (${num(perEvent, 3)}) ${verdict(perEvent <= 0.2)}`);
      }
    } else {
      parts.push(`>= 2x the 517 ev/s before set-based apply (${num(ack, 0)}) ${verdict(ack >= 2 * 517)}`);
      parts.push(`p99 ack < 150 ms (${num(p99(gv), 1)}) ${verdict(p99(gv) < 150)}`);
    }
    parts.push(`exact counts ${verdict(exact)}`);
    lines.push(`  targets (${db.kind}): ${parts.join('; ')}`);
    const gvRuns = db.runs.filter((r) => r.server === 'GigaVibe');
    if (gvRuns.length > 1) {
      const each = gvRuns.map((r) => {
        const a = rate(r);
        const e = e2eRate(r);
        const vsNoop = ceiling ? `${num(a / rate(ceiling), 2)}x no-op, ` : '';
        return `${r.label === 'GigaVibe' ? 'default' : r.label.replace('GigaVibe ', '')}: ack ${vsNoop}e2e ${num(e / a, 2)}x ack, p99 ${num(p99(r), 1)} ms`;
      });
      lines.push(`  pacing (INGEST_APPLY_REST_RATIO): ${each.join('; ')}`);
    }
  }
  return lines.join('\n');
}

async function benchDatabase(
  kind: DbKind,
  prepared: Prepared,
  reactionCount: number,
  secret: string,
  settings: Settings,
  cleanup: Cleanup,
): Promise<DbReport> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), `gigavibe-bench-${kind}-`));
  cleanup.add(() => rm(tmp, { recursive: true, force: true }));
  let postgres: BenchPostgres | null = null;
  let gvUrl: string | null = null;
  let naiveUrl: string | null = null;
  let commitUrl: string | null = null;
  if (kind === 'postgres') {
    console.log('  starting PostgreSQL...');
    postgres = await startPostgres(
      REPO_ROOT,
      process.env.BENCH_DATABASE_URL || undefined,
      cleanup.add,
      settings.pgSettings,
    );
    cleanup.add(postgres.stop);
    gvUrl = await postgres.createDatabase('gigavibe_bench');
    naiveUrl = await postgres.createDatabase('naive_bench');
    commitUrl = await postgres.createDatabase('commit_bench');
  }
  const pgliteVersion = JSON.parse(
    await readFile(path.join(REPO_ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  ) as { version: string };
  const db: DbReport = {
    kind,
    version: postgres?.version ?? `PGlite ${pgliteVersion.version}`,
    description: postgres?.description ?? 'embedded in the server process, data dir on local disk',
    runs: [],
    soak: null,
  };
  const startGigaVibe = async (
    dataDir: string,
    databaseUrl: string | null,
    extraEnv: Record<string, string> = {},
  ): Promise<ServerProcess> => {
    const port = await freePort();
    return startServer({
      name: 'GigaVibe server',
      cwd: REPO_ROOT,
      entry: 'src/node.ts',
      port,
      env: {
        PORT: String(port),
        DATA_DIR: dataDir,
        NEYNAR_WEBHOOK_SECRET: secret,
        LOG_LEVEL: 'warn',
        ...(databaseUrl === null ? {} : { DATABASE_URL: databaseUrl }),
        ...settings.serverEnv,
        ...extraEnv,
      },
      nodeArgs: settings.serverNodeArgs,
      logFile: path.join(tmp, `gigavibe-${path.basename(dataDir)}.log`),
    });
  };
  const gigavibe: RunTarget = {
    server: 'GigaVibe',
    kind,
    postgres,
    start: () => startGigaVibe(path.join(tmp, 'gigavibe-data'), gvUrl),
  };
  /** A comparison server from scripts/bench/ as a child process on a free port (PORT set here). */
  const benchServer =
    (name: string, entry: string, env: Record<string, string>, nodeArgs: string[] = []) =>
    async (): Promise<ServerProcess> => {
      const port = await freePort();
      return startServer({
        name: `${name} server`,
        cwd: REPO_ROOT,
        entry: `scripts/bench/${entry}`,
        port,
        env: { PORT: String(port), ...env },
        nodeArgs,
        logFile: path.join(tmp, `${name}.log`),
      });
    };
  const naive: RunTarget = {
    server: 'naive',
    kind,
    postgres,
    start: benchServer('naive', 'naiveServer.ts', {
      NAIVE_SECRET: secret,
      ...(naiveUrl === null ? { NAIVE_DATA_DIR: path.join(tmp, 'naive-pglite') } : { NAIVE_DATABASE_URL: naiveUrl }),
    }),
  };
  const commitOnly: RunTarget = {
    server: 'commit-only',
    kind,
    postgres,
    start: benchServer(
      'commit-only',
      'commitOnlyServer.ts',
      {
        COMMIT_SECRET: secret,
        ...(commitUrl === null
          ? { COMMIT_DATA_DIR: path.join(tmp, 'commit-only-data') }
          : { COMMIT_DATABASE_URL: commitUrl }),
      },
      settings.serverNodeArgs,
    ),
  };
  const noop: RunTarget = {
    server: 'no-op',
    kind,
    postgres: null,
    start: benchServer('no-op', 'noopServer.ts', { NOOP_SECRET: secret }, settings.serverNodeArgs),
  };
  // One more GigaVibe run per --rest-ratios value, each on a database of its own.
  const paced: RunTarget[] = [];
  for (const [i, ratio] of settings.restRatios.entries()) {
    const url = postgres === null ? null : await postgres.createDatabase(`gigavibe_rest${i}`);
    paced.push({
      server: 'GigaVibe',
      label: `GigaVibe rest ${ratio}`,
      kind,
      postgres,
      start: () =>
        startGigaVibe(path.join(tmp, `gigavibe-rest${i}-data`), url, { INGEST_APPLY_REST_RATIO: String(ratio) }),
    });
  }
  // GigaVibe runs right after the no-op: the cluster's background work (autovacuum of the other runs' tables) is
  // counted in PostgreSQL's CPU, so the runs that leave tables behind come after it.
  const targets = [
    ...(settings.skipNoop ? [] : [noop]),
    gigavibe,
    ...(settings.skipCommitOnly ? [] : [commitOnly]),
    ...paced,
    ...(settings.skipNaive ? [] : [naive]),
  ];
  for (const target of targets) {
    await waitForQuiet(settings.waitQuiet);
    console.log(
      `  ${target.label ?? target.server} on ${kind}: ${num(prepared.workload.casts.length + reactionCount)} events...`,
    );
    const run = await runOne(target, prepared, reactionCount, settings, cleanup);
    console.log(
      `    done: ${num(run.load.acked / run.load.seconds)} ack ev/s, ` +
        `drain ${run.drainSeconds === null ? 'n/a' : `${num(run.drainSeconds, 2)} s`}, ` +
        `exact ${run.mismatches.length === 0 ? 'yes' : 'no'}`,
    );
    db.runs.push(run);
  }
  if (settings.soakSeconds > 0) {
    const gv = db.runs.find((r) => r.server === 'GigaVibe');
    const rate = settings.soakRate ?? Math.round(0.7 * (gv ? gv.load.acked / gv.load.seconds : 1000));
    await waitForQuiet(settings.waitQuiet);
    console.log(`  soak on ${kind}: ${num(rate)} deliveries/s for ${num(settings.soakSeconds)} s...`);
    const soakUrl = postgres === null ? null : await postgres.createDatabase('gigavibe_soak');
    const server = await startGigaVibe(path.join(tmp, 'soak-data'), soakUrl);
    cleanup.add(server.stop);
    try {
      const created = await driveLoad([prepared.signed.casts], {
        port: server.port,
        path: '/webhooks/neynar',
        concurrency: settings.concurrency,
        maxSeconds: settings.maxSeconds,
      });
      if (created.failed > 0) throw new Error(`soak: ${created.failed} performance casts failed`);
      await waitForDrain(server.port);
      const result = await runSoak({
        port: server.port,
        secret,
        rate,
        seconds: settings.soakSeconds,
        windowSeconds: Math.min(settings.soakWindow, settings.soakSeconds),
        castHashes: prepared.workload.castHashes,
        serverPid: server.pid,
        maxInFlight: 512,
        ...(soakUrl === null ? {} : { readWrites: () => readWriteCounters(soakUrl) }),
        readCpu: () => ({
          server: processCpuSeconds(server.pid),
          database: postgres?.postmasterPid == null ? null : clusterCpuSeconds(postgres.postmasterPid),
        }),
      });
      const drained = await waitForDrain(server.port);
      const mismatches = await verifyCounts(
        prepared.workload.castHashes,
        new Map([...result.expectedLikes].map(([hash, likes]) => [hash, { likes, recasts: 0 }])),
        async (hash) => {
          const { status, json } = await getJson(server.port, `/api/performances/${hash}`);
          return status === 200 ? countsFrom(json) : `HTTP ${status}`;
        },
      );
      db.soak = { rate, result, drainSeconds: drained.seconds, mismatches };
    } finally {
      await server.stop();
    }
  }
  return db;
}

/** PostgreSQL's cumulative WAL bytes, full-page images (pg_stat_wal, PostgreSQL 14 and later) and checkpoints. */
async function readWriteCounters(url: string): Promise<WriteCounters> {
  return withPgClient(url, async (c) => {
    const r = await c.query<{ bytes: string; fpi: string; checkpoints: string }>(
      'select w.wal_bytes::text as bytes, w.wal_fpi::text as fpi, ' +
        '(b.checkpoints_timed + b.checkpoints_req)::text as checkpoints from pg_stat_wal w, pg_stat_bgwriter b',
    );
    const row = r.rows[0];
    return {
      walBytes: Number(row?.bytes ?? Number.NaN),
      fullPageImages: Number(row?.fpi ?? Number.NaN),
      checkpoints: Number(row?.checkpoints ?? Number.NaN),
    };
  });
}

/** The soak's windows and its verdicts: p99 without growth (last third of the windows against the first third),
 * memory flat (last window within 10% of the second, after warm-up), inbox drained continuously (the backlog at the
 * end of every window under two seconds of deliveries). */
function soakReport(db: DbReport): string {
  const soak = db.soak;
  if (soak === null) return '';
  const { result, rate } = soak;
  const hasWrites = result.windows.some((w) => w.walKbPerEvent !== null);
  const hasDbCpu = result.windows.some((w) => w.databaseCpuMs !== null);
  const rows = result.windows.map((w) => [
    num(w.second),
    num(w.sent),
    num(w.acked),
    num(w.p50, 1),
    num(w.p99, 1),
    num(w.max, 1),
    num(w.rssMb, 1),
    num(w.pending),
    num(w.serverCpuMs ?? Number.NaN, 3),
    ...(hasDbCpu ? [num(w.databaseCpuMs ?? Number.NaN, 3)] : []),
    ...(hasWrites
      ? [num(w.walKbPerEvent ?? Number.NaN, 1), num(w.fpiPerEvent ?? Number.NaN, 2), num(w.checkpoints ?? 0)]
      : []),
  ]);
  const third = Math.max(1, Math.floor(result.windows.length / 3));
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? Number.NaN;
  };
  const early = median(result.windows.slice(0, third).map((w) => w.p99));
  const late = median(result.windows.slice(-third).map((w) => w.p99));
  const rssStart = result.windows[Math.min(1, result.windows.length - 1)]?.rssMb ?? Number.NaN;
  const rssEnd = result.windows[result.windows.length - 1]?.rssMb ?? Number.NaN;
  const maxPending = Math.max(...result.windows.map((w) => w.pending));
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  return [
    `  soak (${db.kind}): ${num(rate)} deliveries/s scheduled, ${num(result.sent)} sent (${num(result.late)} late), ` +
      `${num(result.acked)} acknowledged, ${num(result.failed)} failed` +
      (result.firstFailure ? ` (first: ${result.firstFailure})` : '') +
      `; drained ${num(soak.drainSeconds, 2)} s after the last delivery`,
    formatTable(
      [
        'second',
        'sent',
        'acked',
        'p50 ms',
        'p99 ms',
        'max ms',
        'server RSS MB',
        'inbox pending',
        'server CPU ms/event',
        ...(hasDbCpu ? ['PostgreSQL CPU ms/event'] : []),
        ...(hasWrites ? ['WAL KB/event', 'full pages/event', 'checkpoints'] : []),
      ],
      rows,
    ).replace(/^/gm, '    '),
    `  soak verdicts: p99 no growth (first third ${num(early, 1)} ms, last third ${num(late, 1)} ms) ` +
      `${verdict(late <= early * 1.5 + 5)}; memory flat (${num(rssStart, 1)} -> ${num(rssEnd, 1)} MB) ` +
      `${verdict(rssEnd <= rssStart * 1.1)}; inbox drained continuously (max pending ${num(maxPending)}) ` +
      `${verdict(maxPending <= 2 * rate)}; exact counts ${verdict(soak.mismatches.length === 0 && result.failed === 0)}` +
      (soak.mismatches.length > 0 ? ` (e.g. ${soak.mismatches.slice(0, 2).join('; ')})` : ''),
  ].join('\n');
}

async function main(): Promise<number> {
  let settings: Settings | null;
  try {
    settings = parseSettings(process.argv.slice(2));
  } catch (error) {
    console.error(`bench:ingest: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (settings === null) {
    console.log(USAGE);
    return 0;
  }
  const kinds: DbKind[] = settings.only === null ? ['pglite', 'postgres'] : [settings.only];
  const eventsFor = (kind: DbKind) => settings.events ?? (kind === 'postgres' ? 20_000 : 5_000);
  const reactionsFor = (kind: DbKind) => Math.max(0, eventsFor(kind) - settings.casts);
  const maxReactions = Math.max(...kinds.map(reactionsFor));

  console.log('GigaVibe webhook ingest benchmark');
  console.log(machineLine());
  const secret = randomBytes(32).toString('hex');
  const t0 = performance.now();
  const workload = generateWorkload({
    seed: settings.seed,
    casts: settings.casts,
    reactions: maxReactions,
    fids: settings.fids,
  });
  const warmCasts = Math.min(10, settings.warmup);
  const warmWorkload = generateWorkload({
    seed: settings.seed + 1,
    casts: warmCasts,
    reactions: settings.warmup - warmCasts,
    fids: settings.fids,
    castPrefix: 'a',
    firstFid: 50_000_000,
  });
  const warmSigned = await signWorkload(warmWorkload, secret);
  const prepared: Prepared = {
    warmup: [warmSigned.casts, warmSigned.reactions],
    workload,
    signed: await signWorkload(workload, secret),
  };
  console.log(
    `prepared and signed ${num(settings.warmup + workload.casts.length + workload.reactions.length)} deliveries ` +
      `in ${num((performance.now() - t0) / 1000, 1)} s; load: ${settings.concurrency} in flight over keep-alive ` +
      `HTTP/1.1 to 127.0.0.1; per run: ${num(settings.warmup)} warm-up deliveries (other casts and users, ` +
      'not measured), then the casts, then the reactions',
  );

  const background = await backgroundLoad();
  const backgroundLine =
    `background load before start: ${num(background, 2)} of ${os.availableParallelism()} cores busy` +
    (background > 0.2 ? ' (other work is running: numbers will be lower than on an idle machine)' : '');
  console.log(backgroundLine);

  const cleanup = createCleanup();
  const reports: DbReport[] = [];
  try {
    for (const kind of kinds) {
      console.log(`\n${kind}:`);
      reports.push(await benchDatabase(kind, prepared, reactionsFor(kind), secret, settings, cleanup));
    }
  } finally {
    await cleanup.run();
  }

  console.log('\nResults');
  console.log(machineLine());
  console.log(backgroundLine);
  for (const db of reports) {
    console.log(workloadLine(workload, settings, reactionsFor(db.kind)));
    console.log(`${report(db, settings)}\n`);
    if (db.soak !== null) console.log(`${soakReport(db)}\n`);
  }
  const gvExact = reports.every(
    (db) =>
      (db.soak === null || (db.soak.mismatches.length === 0 && db.soak.result.failed === 0)) &&
      db.runs.every(
        (r) => r.server !== 'GigaVibe' || (r.mismatches.length === 0 && r.load.failed === 0 && !r.failedEvents),
      ),
  );
  return gvExact ? 0 : 1;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`bench:ingest failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});
