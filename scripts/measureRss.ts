/** Resident memory of the production Node host on PostgreSQL (`npm run bench:rss`): builds (npm run build), starts
 * a throwaway PostgreSQL (scripts/pg-throwaway.sh; or BENCH_DATABASE_URL), runs `node dist/src/node.js` on a new
 * database, and prints its RSS idle after start, under load (signed webhooks, frame GETs, image renders) and idle
 * after. `--host tsx` measures `npm run start:node` instead (npm, tsx and node: the whole process tree). */
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createCleanup } from './bench/createCleanup.ts';
import { positive } from './bench/parseIntFlag.ts';
import { startPostgres } from './bench/startPostgres.ts';
import { freePort } from './bench/startServer.ts';
import { castHash, performanceCast, reaction, signed, user } from './neynarPayloads.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '..');
const SECRET = 'bench-rss-webhook-secret-0123456789abcdef';
const TARGET_IDLE_MB = 150;

const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const host = flag('host') ?? 'compiled';

if (host !== 'compiled' && host !== 'tsx') throw new Error('--host is compiled or tsx');
const webhooks = positive(flag('webhooks'), 'webhooks', 2000, 100_000);
const frameGets = positive(flag('frame-gets'), 'frame-gets', 200, 10_000);
const renders = positive(flag('renders'), 'renders', 20, 1000, true);
const idleSeconds = positive(flag('idle-seconds'), 'idle-seconds', 10, 600);

/** A process and its descendants (Linux /proc). */
function processTree(pid: number): number[] {
  const out = [pid];
  for (const task of safeList(`/proc/${pid}/task`)) {
    const children = safeRead(`/proc/${pid}/task/${task}/children`).split(' ').filter(Boolean).map(Number);
    for (const child of children) out.push(...processTree(child));
  }
  return out;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** VmRSS in MiB of each process of the tree, by command line. */
function treeRss(pid: number): { total: number; parts: { cmd: string; mb: number }[] } {
  const parts = processTree(pid).map((p) => {
    const kb = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(safeRead(`/proc/${p}/status`))?.[1] ?? 0);
    const cmd = safeRead(`/proc/${p}/cmdline`).split('\0').filter(Boolean).slice(0, 3).join(' ');
    return { cmd: cmd.replace(repoRoot, '.'), mb: kb / 1024 };
  });
  return { total: parts.reduce((s, p) => s + p.mb, 0), parts };
}

async function waitHealthy(port: number, exited: () => boolean, log: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !exited()) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not become healthy:\n${log().slice(-3000)}`);
}

/** Run `count` tasks, `concurrency` at a time. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

function sample(pid: number, label: string, rows: [string, string, string][]): number {
  const { total, parts } = treeRss(pid);
  rows.push([label, total.toFixed(1), parts.map((p) => `${p.cmd} ${p.mb.toFixed(1)}`).join(' | ')]);
  return total;
}

const cleanup = createCleanup();
try {
  const pg = await startPostgres(repoRoot, process.env.BENCH_DATABASE_URL, cleanup.add);
  const url = await pg.createDatabase('bench_rss');
  if (host === 'compiled') await run('npm', ['run', 'build'], { cwd: repoRoot });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'gigavibe-rss-'));
  cleanup.add(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const [command, commandArgs] = host === 'compiled' ? ['node', ['dist/src/node.js']] : ['npm', ['run', 'start:node']];
  const child = spawn(command, commandArgs as string[], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: url,
      PORT: String(port),
      DATA_DIR: dataDir,
      NEYNAR_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (d: Buffer) => (log = (log + d).slice(-8000)));
  const pid = child.pid ?? 0;
  cleanup.add(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const stopped = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await stopped;
  });
  await waitHealthy(
    port,
    () => child.exitCode !== null,
    () => log,
  );

  const rows: [string, string, string][] = [];
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const idle = sample(pid, `idle ${idleSeconds} s after start`, rows);

  // Load: performance casts, then likes on them, signed as Neynar signs them.
  const casts = Math.max(1, Math.min(200, Math.floor(webhooks / 10)));
  const hashes = Array.from({ length: casts }, (_, i) => castHash(i + 1, 'a'));
  let peak = idle;
  const sampler = setInterval(() => {
    peak = Math.max(peak, treeRss(pid).total);
  }, 250);
  const base = `http://127.0.0.1:${port}`;
  const post = async (payload: unknown) => {
    const s = await signed(SECRET, payload);
    const res = await fetch(`${base}/webhooks/neynar`, { method: 'POST', body: s.body, headers: s.headers });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  };
  await pool(casts, 16, (i) => post(performanceCast(hashes[i] as string, user(9000 + i))));
  await pool(webhooks - casts, 16, (i) =>
    post(
      reaction({
        kind: 'created',
        type: 1,
        castHash: hashes[i % casts] as string,
        reactor: user(20_000 + i),
        at: Date.now(),
      }),
    ),
  );
  const images = new Set<string>();
  await pool(frameGets, 8, async (i) => {
    const res = await fetch(`${base}/frames/performance/${hashes[i % casts]}`);
    const html = await res.text();
    if (res.status !== 200) throw new Error(`frame GET answered ${res.status}`);
    const image = /<meta property="og:image" content="([^"]+)"/.exec(html)?.[1];
    if (image !== undefined) images.add(image.replaceAll('&amp;', '&'));
  });
  await pool(Math.min(renders, images.size), 4, async (i) => {
    const image = new URL([...images][i] as string);
    const res = await fetch(`${base}${image.pathname}${image.search}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`image GET answered ${res.status}`);
  });
  clearInterval(sampler);
  const loaded = sample(pid, 'right after the load', rows);
  rows.push(['peak during the load', peak.toFixed(1), '']);
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  sample(pid, `idle ${idleSeconds} s after the load`, rows);

  const { stdout: nodeVersion } = await run('node', ['--version']);
  console.log(`GigaVibe RSS (${host === 'compiled' ? 'node dist/src/node.js' : 'npm run start:node'}), ${pg.version}`);
  console.log(
    `node ${nodeVersion.trim()}, ${os.cpus().length} CPUs; load: ${webhooks} signed webhooks (${casts} casts),`,
  );
  console.log(`${frameGets} frame GETs, ${Math.min(renders, images.size)} image renders\n`);
  for (const [label, mb, parts] of rows) console.log(`${label.padEnd(28)} ${mb.padStart(7)} MB   ${parts}`);
  console.log(
    `\nidle target <= ${TARGET_IDLE_MB} MB: ${idle <= TARGET_IDLE_MB ? 'met' : 'NOT met'} (${idle.toFixed(1)} MB); ` +
      `after load ${loaded.toFixed(1)} MB`,
  );
} finally {
  await cleanup.run();
}
