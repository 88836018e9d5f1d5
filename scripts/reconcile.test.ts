import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/loadConfig.ts';
import { type OpenDatabase, openDatabase } from '../src/node/openDatabase.ts';
import { type NeynarApiStandIn, startNeynarApi } from '../test/standins/neynarApi.ts';
import { deliverToStore } from '../test/support/deliverToStore.ts';
import { seedDemo } from './demo/seedDemo.ts';
import { castHash, PERFORMANCE_CHANNEL, performanceCast, reaction, user } from './neynarPayloads.ts';

const root = path.resolve(import.meta.dirname, '..');
const API_KEY = 'cli-test-neynar-key-5f3a9c';
const HOUR = 3_600_000;

/** supabase/seed.sql's demo performances, which a fresh embedded database gets, with their seeded counts. */
const DEMO = [1, 2, 3].map((n) => `0x${'0'.repeat(35)}d000${n}`);
const [D1, D2, D3] = DEMO as [string, string, string];
const OURS = [1, 2, 3, 4].map((n) => castHash(n, 'e'));
const [E1, E2, E3, E4] = OURS as [string, string, string, string];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI as `npm run reconcile` does, with only the environment given (plus PATH and HOME for npx). */
function reconcile(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'scripts/reconcile.ts', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const open = (dataDir: string): Promise<OpenDatabase> => openDatabase(loadConfig({ DATA_DIR: dataDir }));

/** A fresh embedded database (migrated, the demo delivered through the ingest path) plus four performances of ours: E1 with 2 likes, E2 with 1
 * recast, E3 with nothing, and E4 cast 100 hours ago with 1 like. Closed again: PGlite allows one process. */
async function seedDatabase(dataDir: string): Promise<void> {
  const db = await open(dataDir);
  try {
    await seedDemo(db.stores.ingest, { channelUrl: PERFORMANCE_CHANNEL });
    const now = Date.now();
    const artist = user(300);
    await deliverToStore(db.stores.ingest, [
      performanceCast(E1, artist, now - 2 * HOUR),
      performanceCast(E2, artist, now - 2 * HOUR),
      performanceCast(E3, artist, now - 2 * HOUR),
      performanceCast(E4, artist, now - 100 * HOUR),
      reaction({ kind: 'created', type: 1, castHash: E1, reactor: user(401), at: now - HOUR }),
      reaction({ kind: 'created', type: 1, castHash: E1, reactor: user(402), at: now - HOUR }),
      reaction({ kind: 'created', type: 2, castHash: E2, reactor: user(401), at: now - HOUR }),
      reaction({ kind: 'created', type: 1, castHash: E4, reactor: user(401), at: now - HOUR }),
    ]);
  } finally {
    await db.stores.close();
  }
}

/** Neynar's view: D1 (42/7/5) and E3 agree with ours; D2 has 2 more likes than the demo's 18; D3 is unknown to
 * Neynar; E1 has 1 more like and 2 replies; E2 agrees; E4 (outside the default window) differs. */
function neynarKnows(api: NeynarApiStandIn): void {
  api.setCast(D1, { likes: 42, recasts: 7, replies: 5 });
  api.setCast(D2, { likes: 20, recasts: 3, replies: 2 });
  api.setCast(E1, { likes: 3, recasts: 0, replies: 2 });
  api.setCast(E2, { likes: 0, recasts: 1, replies: 0 });
  api.setCast(E3, { likes: 0, recasts: 0, replies: 0 });
  api.setCast(E4, { likes: 9, recasts: 9, replies: 9 });
}

async function inspect(dataDir: string) {
  const db = await open(dataDir);
  try {
    const sql = db.sql;
    if (sql === null) throw new Error('expected the embedded database');
    const rows = await sql.query<{ cast_hash: string; metric: string; counted: number; reported: number }>(
      'select cast_hash, metric, counted, reported from public.metric_corrections order by cast_hash, metric, id',
    );
    const counts = async (hash: string) => {
      const p = await db.stores.performances.getPerformance(hash);
      return p && { likes: p.metrics.likes, recasts: p.metrics.recasts, replies: p.metrics.replies };
    };
    return {
      corrections: rows,
      counts: Object.fromEntries(await Promise.all([...DEMO, ...OURS].map(async (h) => [h, await counts(h)]))),
    };
  } finally {
    await db.stores.close();
  }
}

describe('scripts/reconcile.ts', () => {
  let dataDir: string;
  let api: NeynarApiStandIn;
  let env: Record<string, string>;

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gigavibe-reconcile-'));
    api = await startNeynarApi({ apiKey: API_KEY });
    env = { DATA_DIR: dataDir, NEYNAR_API_KEY: API_KEY, NEYNAR_API_BASE_URL: api.url };
  });

  afterEach(async () => {
    await api.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('--help prints usage and exits 0', async () => {
    const r = await reconcile(['--help'], {});

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: npm run reconcile');
    for (const flag of ['--since-hours', '--batch', '--dry-run', 'NEYNAR_API_KEY']) expect(r.stdout).toContain(flag);
  });

  it('rejects bad flags with exit 2', async () => {
    for (const args of [['--batch', '0'], ['--batch', '1001'], ['--since-hours', 'soon'], ['--frobnicate']]) {
      const r = await reconcile(args, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(args[0]);
      expect(r.stderr).toContain('Usage:');
    }
    expect(api.requests).toEqual([]);
  });

  it('requires NEYNAR_API_KEY, naming it', async () => {
    const r = await reconcile([], { DATA_DIR: dataDir, NEYNAR_API_BASE_URL: api.url });

    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NEYNAR_API_KEY is required/);
    expect(r.stdout).toBe('');
  });

  it('prints the configuration error and exits 1 on bad configuration', async () => {
    const r = await reconcile([], { ...env, NEYNAR_API_BASE_URL: 'ftp://example.com' });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid configuration');
    expect(r.stderr).toContain('NEYNAR_API_BASE_URL');
    expect(r.stderr).not.toContain(API_KEY);
  });

  it('corrects drift, retrying a 429, shows progress per batch, and is idempotent', async () => {
    await seedDatabase(dataDir);
    neynarKnows(api);
    api.failNext({ status: 429 });

    const r = await reconcile(['--batch', '2'], env);

    expect(r.stderr).not.toContain(API_KEY);
    expect(r.stdout).not.toContain(API_KEY);
    expect(r.code, r.stderr).toBe(0);
    // Candidates in hash order: D1 D2 D3 E1 E2 E3 (E4 is older than 72 hours).
    expect(r.stdout).toContain('checked: 5\n');
    expect(r.stdout).toContain('corrected: 3\n');
    expect(r.stdout).toContain('missing: 1\n');
    expect(r.stdout).toContain('batches: 3\n');
    expect(r.stdout).toContain('failed batches: 0\n');
    expect(r.stdout).toContain(`missing casts (not returned by Neynar): ${D3}`);
    const progress = r.stderr.split('\n').filter((l) => /^reconcile: \d+\/\d+ casts checked/.test(l));
    expect(progress).toEqual([
      'reconcile: 2/6 casts checked, 1 corrected, 0 missing',
      'reconcile: 4/6 casts checked, 3 corrected, 1 missing',
      'reconcile: 6/6 casts checked, 3 corrected, 1 missing',
    ]);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).toContain('reconcile: batch 1: Neynar answered 429: Too Many Requests; retrying in 0.5 s\n');

    expect(api.requests.map((q) => [q.status, q.casts])).toEqual([
      [429, [D1, D2]],
      [200, [D1, D2]],
      [200, [D3, E1]],
      [200, [E2, E3]],
    ]);
    expect(api.requests.every((q) => q.headers['x-api-key'] === API_KEY)).toBe(true);

    const after = await inspect(dataDir);
    expect(after.corrections).toEqual([
      { cast_hash: D2, metric: 'likes', counted: 18, reported: 20 },
      { cast_hash: E1, metric: 'likes', counted: 2, reported: 3 },
      { cast_hash: E1, metric: 'replies', counted: 0, reported: 2 },
    ]);
    expect(after.counts).toEqual({
      [D1]: { likes: 42, recasts: 7, replies: 5 },
      [D2]: { likes: 20, recasts: 3, replies: 2 },
      [D3]: { likes: 5, recasts: 1, replies: 0 },
      [E1]: { likes: 3, recasts: 0, replies: 2 },
      [E2]: { likes: 0, recasts: 1, replies: 0 },
      [E3]: { likes: 0, recasts: 0, replies: 0 },
      [E4]: { likes: 1, recasts: 0, replies: 0 },
    });

    const again = await reconcile(['--batch', '2'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('checked: 5\n');
    expect(again.stdout).toContain('corrected: 0\n');
    expect((await inspect(dataDir)).corrections).toHaveLength(3);
  });

  it('--since-hours widens the window and --dry-run records nothing', async () => {
    await seedDatabase(dataDir);
    neynarKnows(api);

    const r = await reconcile(['--dry-run', '--since-hours', '200'], env);

    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('dry run: nothing recorded\n');
    expect(r.stdout).toContain('checked: 6\n');
    expect(r.stdout).toContain('would correct: 6\n');
    expect(r.stdout).toContain('batches: 1\n');
    expect(api.requests.map((q) => q.casts)).toEqual([[D1, D2, D3, E1, E2, E3, E4]]);
    const after = await inspect(dataDir);
    expect(after.corrections).toEqual([]);
    expect(after.counts[E4]).toEqual({ likes: 1, recasts: 0, replies: 0 });
  });

  it('keeps going past a batch that keeps failing, reports it, and exits 1', async () => {
    await seedDatabase(dataDir);
    neynarKnows(api);
    api.failWhenAsked(D3, { status: 503 });

    const r = await reconcile(['--batch', '2'], env);

    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `reconcile: batch 2 failed after 5 attempts (2 casts, ${D3} to ${E1}): Neynar answered 503`,
    );
    expect(r.stdout).toContain('failed batches: 1\n');
    expect(r.stdout).toContain('checked: 4\n');
    expect(r.stdout).toContain('corrected: 1\n');
    expect(api.requests.filter((q) => q.casts.includes(D3))).toHaveLength(5);
    expect(api.requests.at(-1)?.casts).toEqual([E2, E3]);
    expect((await inspect(dataDir)).corrections.map((c) => c.cast_hash)).toEqual([D2]);
  }, 90_000);

  it('reports a rejected API key without ever printing it', async () => {
    await seedDatabase(dataDir);
    const wrongKey = 'wrong-key-must-not-leak-31337';

    const r = await reconcile([], { ...env, NEYNAR_API_KEY: wrongKey });

    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Neynar answered 401');
    expect(r.stderr + r.stdout).not.toContain(wrongKey);
    expect(api.requests.map((q) => q.headers['x-api-key'])).toEqual([wrongKey]);
  });
});
