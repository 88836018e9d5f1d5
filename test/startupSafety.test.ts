import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type Spawned, spawnScript, stopSpawned, waitHealthy } from '../scripts/support/spawnHost.ts';

/** One line on stderr, no stack trace, exit 1. */
async function expectCleanRefusal(spawned: Spawned, message: RegExp, withinMs = 30_000): Promise<string> {
  const started = Date.now();
  expect(await spawned.exited).toBe(1);
  expect(Date.now() - started).toBeLessThan(withinMs);
  const output = spawned.output().trim();
  expect(output).toMatch(message);
  expect(output).not.toMatch(/\n\s+at /);
  return output;
}

describe('a second start and commands on a busy embedded database fail fast and change nothing', () => {
  let dataDir: string;
  let port: number;
  let first: Spawned;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'gigavibe-startup-'));
    port = await freePort();
    first = spawnScript('src/dev.ts', { PORT: String(port), DATA_DIR: dataDir });
    await waitHealthy(port, first);
  }, 120_000);
  afterAll(async () => {
    if (first !== undefined) await stopSpawned(first);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a second npm start on the same port stops with one line before touching the data directory', async () => {
    const rpcUrlFile = path.join(dataDir, 'devnet', 'rpc-url');
    const before = await readFile(rpcUrlFile, 'utf8');
    const mtime = (await stat(rpcUrlFile)).mtimeMs;
    const second = spawnScript('src/dev.ts', { PORT: String(port), DATA_DIR: dataDir, VIRAL_SCORE_THRESHOLD: '10' });
    await expectCleanRefusal(second, new RegExp(`^port ${port} is already in use`), 20_000);
    expect(await readFile(rpcUrlFile, 'utf8')).toBe(before);
    expect((await stat(rpcUrlFile)).mtimeMs).toBe(mtime);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    const viral = (await (await fetch(`http://127.0.0.1:${port}/api/performances?limit=1`)).json()) as {
      items: { viral: { threshold: number } }[];
    };
    expect(viral.items[0]?.viral.threshold).toBe(100);
  });

  it('a second npm start on another port names the process that holds the data directory', async () => {
    const other = await freePort();
    const second = spawnScript('src/dev.ts', { PORT: String(other), DATA_DIR: dataDir });
    const output = await expectCleanRefusal(second, /is in use by npm start \(pid \d+\)/, 20_000);
    expect(output).toContain(String(first.child.pid));
  });

  it('npm run db:migrate and npm run reconcile say the embedded database is in use instead of crashing', async () => {
    const migrate = spawnScript('scripts/migrate.ts', { DATA_DIR: dataDir });
    await expectCleanRefusal(migrate, /embedded database in .* is in use by npm start \(pid \d+\): stop it first/);
    const reconcile = spawnScript('scripts/reconcile.ts', {
      DATA_DIR: dataDir,
      NEYNAR_API_KEY: 'test-key',
      NEYNAR_API_BASE_URL: 'http://127.0.0.1:9',
    });
    await expectCleanRefusal(reconcile, /in use by npm start/);
  });
});

describe('bad database and data directory settings stop the start with one line', () => {
  it('an unreachable DATABASE_URL names where it pointed (never the password)', async () => {
    const closed = await freePort();
    const r = spawnScript('src/node.ts', {
      PORT: String(await freePort()),
      DATABASE_URL: `postgres://app:s3cret-pw@127.0.0.1:${closed}/gigavibe`,
    });
    const output = await expectCleanRefusal(
      r,
      /^cannot reach DATABASE_URL \(app@127\.0\.0\.1:\d+\/gigavibe\): connection refused$/,
    );
    expect(output).not.toContain('s3cret-pw');
  });

  it('a DATA_DIR that is a file, or a place that takes no files, is refused at once', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-datadir-'));
    try {
      const file = path.join(dir, 'a-file');
      await writeFile(file, 'x');
      const asFile = spawnScript('src/node.ts', { PORT: String(await freePort()), DATA_DIR: file });
      await expectCleanRefusal(asFile, /^DATA_DIR=.* is not usable: a file is in the way/, 20_000);
      const proc = spawnScript('src/node.ts', { PORT: String(await freePort()), DATA_DIR: '/proc/nope' });
      await expectCleanRefusal(proc, /^DATA_DIR=\/proc\/nope is not usable/, 20_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('.env', () => {
  it('is read from the working directory; the real environment wins over it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-dotenv-'));
    try {
      await writeFile(path.join(dir, '.env'), 'PORT=not-a-port\nBUY_SLIPPAGE=lots\n');
      const fromFile = spawnScript('src/node.ts', {}, { cwd: dir });
      const output = await expectCleanRefusal(fromFile, /PORT: must be a number/);
      expect(output).toContain('BUY_SLIPPAGE:');
      const overridden = spawnScript('src/node.ts', { PORT: 'also-bad', BUY_SLIPPAGE: '0.01' }, { cwd: dir });
      const second = await expectCleanRefusal(overridden, /PORT: must be a number/);
      expect(second).not.toContain('BUY_SLIPPAGE');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
