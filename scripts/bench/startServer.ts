import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import net from 'node:net';

/** A server running as a child process on 127.0.0.1. */
export interface ServerProcess {
  name: string;
  port: number;
  pid: number;
  logFile: string;
  /** SIGTERM (graceful: the GigaVibe host flushes and closes), then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Start `node --import tsx <entry>` from the repository root with exactly `env` (plus PATH and HOME), log to
 * logFile, and wait until GET /healthz answers 200. Fails with the log's tail if the process exits first. */
export async function startServer(options: {
  name: string;
  cwd: string;
  entry: string;
  port: number;
  env: Record<string, string>;
  nodeArgs?: string[];
  logFile: string;
  timeoutMs?: number;
}): Promise<ServerProcess> {
  const log = createWriteStream(options.logFile);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.entry], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let recent = '';
  const keep = (chunk: Buffer) => {
    recent = (recent + chunk.toString('utf8')).slice(-4000);
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', keep);
    stream?.pipe(log, { end: false });
  }
  const tail = () => recent.split('\n').slice(-15).join('\n');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    }
    log.end();
  };
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await new Promise((r) => setTimeout(r, 100));
      throw new Error(`${options.name} exited during start:\n${tail()}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${options.port}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${options.name} did not become healthy in time:\n${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name: options.name, port: options.port, pid: child.pid ?? 0, logFile: options.logFile, stop };
}
