import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { reaction, user } from '../neynarPayloads.ts';
import { percentile } from './summarize.ts';

/** A soak: an open-loop stream of signed likes and removals at a fixed rate for a long time, measured per window. */
export interface SoakOptions {
  port: number;
  secret: string;
  /** Deliveries per second, sent on schedule whatever the server's latency (open loop). */
  rate: number;
  seconds: number;
  windowSeconds: number;
  /** Performance casts already created on the server. */
  castHashes: string[];
  /** The server process, whose resident memory is sampled. */
  serverPid: number;
  /** Most requests in flight; a delivery due while this many are outstanding waits, and counts as late when it
   * leaves more than 100 ms after its scheduled time. */
  maxInFlight: number;
  /** The database server's cumulative write counters (PostgreSQL: pg_stat_wal and pg_stat_bgwriter), read at the
   * end of every window; absent on the embedded database. */
  readWrites?: () => Promise<WriteCounters>;
  /** CPU seconds used so far by the server process and the database cluster (null when not ours to read). */
  readCpu?: () => { server: number; database: number | null };
}

/** Cumulative since the server's statistics were reset. */
export interface WriteCounters {
  walBytes: number;
  /** Full-page images: a page's first change after a checkpoint writes the whole page to the WAL. */
  fullPageImages: number;
  checkpoints: number;
}

export interface SoakWindow {
  second: number;
  sent: number;
  acked: number;
  p50: number;
  p99: number;
  max: number;
  /** Server resident memory at the end of the window (MB). */
  rssMb: number;
  /** Inbox rows waiting to be applied at the end of the window. */
  pending: number;
  /** WAL written per acknowledged delivery in the window (KB), full-page images per delivery, and checkpoints
   * completed in the window; null without write counters. */
  walKbPerEvent: number | null;
  fpiPerEvent: number | null;
  checkpoints: number | null;
  /** CPU per acknowledged delivery in the window (ms): the server process, and the database cluster (null when it
   * is not ours to read). */
  serverCpuMs: number | null;
  databaseCpuMs: number | null;
}

export interface SoakResult {
  windows: SoakWindow[];
  sent: number;
  acked: number;
  failed: number;
  late: number;
  firstFailure: string | null;
  /** Expected likes per cast after every acknowledged delivery is applied. */
  expectedLikes: Map<string, number>;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

async function pendingEvents(port: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
    const json = (await res.json()) as { database?: { pendingEvents?: number } };
    return json.database?.pendingEvents ?? Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Send likes from ever new fids (every tenth delivery removes an earlier like instead) at `rate` per second for
 * `seconds`, each signed as Neynar signs (HMAC-SHA512 of the body). Deliveries are distinct and time-ordered, so
 * the expected count of each cast is known exactly. Failed deliveries are retried like the load driver does. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxInFlight });
  const expected = new Map<string, number>(options.castHashes.map((h) => [h, 0]));
  const liked: { hash: string; fid: number }[] = [];
  const result: SoakResult = {
    windows: [],
    sent: 0,
    acked: 0,
    failed: 0,
    late: 0,
    firstFailure: null,
    expectedLikes: expected,
  };
  let window: number[] = [];
  let windowSent = 0;
  let inFlight = 0;
  let nextFid = 20_000_000;
  const eventEpoch = Date.now() - 3_600_000;

  const makeDelivery = (n: number): { body: string; hash: string; delta: 1 | -1 } => {
    const at = eventEpoch + n; // strictly increasing event times: a removal is always newer than its like
    if (n % 10 === 9 && liked.length > 0) {
      const victim = liked.splice(Math.floor(liked.length / 2), 1)[0] ?? { hash: '', fid: 0 };
      const payload = reaction({ kind: 'deleted', type: 1, castHash: victim.hash, reactor: user(victim.fid), at });
      return { body: JSON.stringify(payload), hash: victim.hash, delta: -1 };
    }
    const hash = options.castHashes[n % options.castHashes.length] ?? '';
    const fid = nextFid++;
    liked.push({ hash, fid });
    const payload = reaction({ kind: 'created', type: 1, castHash: hash, reactor: user(fid), at });
    return { body: JSON.stringify(payload), hash, delta: 1 };
  };

  const post = (body: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const signature = createHmac('sha512', options.secret).update(body).digest('hex');
      const req = http.request(
        {
          host: '127.0.0.1',
          port: options.port,
          path: '/webhooks/neynar',
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-neynar-signature': signature,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(body);
    });

  const send = async (n: number): Promise<void> => {
    const d = makeDelivery(n);
    const t0 = performance.now();
    inFlight++;
    try {
      for (let attempt = 1; ; attempt++) {
        let status = 0;
        let error = '';
        try {
          status = await post(d.body);
        } catch (e) {
          error = e instanceof Error ? e.message : String(e);
        }
        if (status >= 200 && status < 300) {
          window.push(performance.now() - t0);
          result.acked++;
          expected.set(d.hash, (expected.get(d.hash) ?? 0) + d.delta);
          return;
        }
        if ((status < 500 && status !== 0) || attempt >= 4) {
          result.failed++;
          result.firstFailure ??= error || `HTTP ${status}`;
          return;
        }
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    } finally {
      inFlight--;
    }
  };

  let writes = options.readWrites === undefined ? null : await options.readWrites().catch(() => null);
  let cpu = options.readCpu?.() ?? null;
  const closeWindow = async (second: number): Promise<SoakWindow> => {
    const sorted = Float64Array.from(window).sort();
    const now = options.readWrites === undefined ? null : await options.readWrites().catch(() => null);
    const cpuNow = options.readCpu?.() ?? null;
    const per = (delta: number) => (sorted.length > 0 ? delta / sorted.length : Number.NaN);
    const w: SoakWindow = {
      second,
      sent: windowSent,
      acked: sorted.length,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      max: sorted.length > 0 ? (sorted[sorted.length - 1] ?? Number.NaN) : Number.NaN,
      rssMb: rssMb(options.serverPid),
      pending: await pendingEvents(options.port),
      walKbPerEvent: now === null || writes === null ? null : per(now.walBytes - writes.walBytes) / 1024,
      fpiPerEvent: now === null || writes === null ? null : per(now.fullPageImages - writes.fullPageImages),
      checkpoints: now === null || writes === null ? null : now.checkpoints - writes.checkpoints,
      serverCpuMs: cpuNow === null || cpu === null ? null : per(cpuNow.server - cpu.server) * 1000,
      databaseCpuMs:
        cpuNow?.database == null || cpu?.database == null ? null : per(cpuNow.database - cpu.database) * 1000,
    };
    writes = now;
    cpu = cpuNow;
    window = [];
    windowSent = 0;
    return w;
  };

  const started = performance.now();
  const outstanding = new Set<Promise<void>>();
  let nextWindowAt = options.windowSeconds;
  while (performance.now() - started < options.seconds * 1000) {
    const elapsed = (performance.now() - started) / 1000;
    const due = Math.floor(elapsed * options.rate);
    while (result.sent < due && inFlight < options.maxInFlight) {
      // Sent more than 100 ms after its scheduled time (the in-flight cap held it back): the server fell behind.
      if ((performance.now() - started) / 1000 - result.sent / options.rate > 0.1) result.late++;
      const p = send(result.sent++);
      windowSent++;
      outstanding.add(p);
      void p.finally(() => outstanding.delete(p));
    }
    if (elapsed >= nextWindowAt) {
      result.windows.push(await closeWindow(nextWindowAt));
      nextWindowAt += options.windowSeconds;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(outstanding);
  if (window.length > 0) result.windows.push(await closeWindow(Math.round((performance.now() - started) / 1000)));
  agent.destroy();
  return result;
}
