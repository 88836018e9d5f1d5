/** Run the project's entry points (src/dev.ts, src/node.ts, scripts) as real child processes, the way a user does,
 * and wait for them: for tests of start-up, shutdown and commands. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performanceCast, reaction, signed, user } from '../neynarPayloads.ts';

export const root = path.resolve(import.meta.dirname, '../..');

export interface Spawned {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Start `script` (relative to the repo, or absolute) with only PATH, HOME and `env`, in `cwd` (default the repo). */
export function spawnScript(
  script: string,
  env: Record<string, string>,
  options: { cwd?: string; args?: string[] } = {},
): Spawned {
  let out = '';
  // tsx by absolute URL, so a test may run a command from another working directory (e.g. one holding a .env).
  const tsx = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, path.resolve(root, script), ...(options.args ?? [])], {
    cwd: options.cwd ?? root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Wait until GET /healthz answers 200 (or throw with the process output). */
export async function waitHealthy(port: number, spawned: Spawned, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (spawned.child.exitCode !== null) break;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.status === 200) return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`server did not become healthy:\n${spawned.output()}`);
}

/** SIGTERM and wait for the exit code. */
export async function stopSpawned(spawned: Spawned): Promise<number | null> {
  if (spawned.child.exitCode !== null) return spawned.child.exitCode;
  spawned.child.kill('SIGTERM');
  return spawned.exited;
}

/** POST signed Neynar payloads to a running host's webhook, one by one; answers each status. */
export async function deliverSigned(port: number, secret: string, payloads: unknown[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const payload of payloads) {
    const s = await signed(secret, payload);
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/neynar`, {
      method: 'POST',
      body: s.body,
      headers: s.headers,
    });
    statuses.push(res.status);
  }
  return statuses;
}

/** A performance by an artist with a payout address, and likes from `fans` high-score fans (fids from `firstFan`):
 * enough to go viral at a low VIRAL_SCORE_THRESHOLD. */
export function viralPayloads(hash: string, artistFid: number, firstFan: number, fans = 12): unknown[] {
  const artist = user(artistFid, { custody_address: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' });
  return [
    performanceCast(hash, artist),
    ...Array.from({ length: fans }, (_, i) =>
      reaction({
        kind: 'created',
        type: 1,
        castHash: hash,
        reactor: user(firstFan + i, { score: 0.9 }),
        at: Date.now(),
      }),
    ),
  ];
}
