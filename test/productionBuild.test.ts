import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castHash, performanceCast, signed, user } from '../scripts/neynarPayloads.ts';
import { freePort, root, type Spawned, stopSpawned, waitHealthy } from '../scripts/support/spawnHost.ts';

const run = promisify(execFile);
const SECRET = 'production-build-test-secret-0123456789';

/** The processes whose parent is `pid` (Linux /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`);
  const children = await Promise.all(
    tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')),
  );
  return children.flatMap((list) => list.split(' ').filter(Boolean).map(Number));
}

describe('npm run build', () => {
  // The build goes to a directory laid out like the repository (package.json, node_modules, supabase beside the
  // output), so a developer's dist/ is left alone.
  let dir: string;
  let outDir: string;
  let spawned: Spawned | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gigavibe-build-'));
    outDir = path.join(dir, 'dist');
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    await symlink(path.join(root, 'supabase'), path.join(dir, 'supabase'));
    const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', outDir], { cwd: root });
  }, 120_000);

  afterAll(async () => {
    if (spawned !== undefined) await stopSpawned(spawned);
    await rm(dir, { recursive: true, force: true });
  });

  it('emits the production entry without the development host or the Worker', () => {
    expect(existsSync(path.join(outDir, 'src/node.js'))).toBe(true);
    expect(existsSync(path.join(outDir, 'frames/createFrames.js'))).toBe(true);
    expect(existsSync(path.join(outDir, 'src/dev.js'))).toBe(false);
    expect(existsSync(path.join(outDir, 'src/worker.js'))).toBe(false);
  });

  it('runs as one plain node process: healthy, and accepts a signed webhook', async () => {
    const port = await freePort();
    let out = '';
    const child = spawn(process.execPath, [path.join(outDir, 'src/node.js')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(port),
        DATA_DIR: path.join(dir, 'data'),
        NEYNAR_WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    spawned = { child, output: () => out, exited };
    await waitHealthy(port, spawned);

    const s = await signed(SECRET, performanceCast(castHash(1, 'b'), user(7100)));
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/neynar`, {
      method: 'POST',
      body: s.body,
      headers: s.headers,
    });
    expect(res.status).toBe(200);

    const pid = child.pid ?? 0;
    expect(await childrenOf(pid)).toEqual([]);
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    expect(cmdline).toEqual([process.execPath, path.join(outDir, 'src/node.js')]);

    expect(await stopSpawned(spawned)).toBe(0);
    spawned = undefined;
  }, 120_000);
});
