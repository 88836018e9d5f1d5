import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { withPgClient } from '../../src/db/postgres.ts';

const run = promisify(execFile);

/** A PostgreSQL server for the benchmark: a throwaway cluster we started, or the one BENCH_DATABASE_URL names. */
export interface BenchPostgres {
  url: string;
  version: string;
  description: string;
  /** The postmaster's pid when we started the cluster (for CPU accounting), else null. */
  postmasterPid: number | null;
  /** A new empty database on this server; dropped by stop(). */
  createDatabase(prefix: string): Promise<string>;
  stop(): Promise<void>;
}

/** The server settings that decide how write-heavy ingest behaves over time (checkpoints and their full-page
 * writes, the buffer cache): printed with every report. */
const WRITE_SETTINGS = ['shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression'] as const;

/** Start a throwaway cluster with scripts/pg-throwaway.sh (fsync on; `settings` as extra `-c name=value` server
 * options), or use `externalUrl`; `register` receives the undo step as soon as there is something to undo. */
export async function startPostgres(
  repoRoot: string,
  externalUrl: string | undefined,
  register: (step: () => Promise<void>) => void,
  settings: Record<string, string> = {},
): Promise<BenchPostgres> {
  const script = path.join(repoRoot, 'scripts/pg-throwaway.sh');
  let url: string;
  let postmasterPid: number | null = null;
  let description: string;
  const created: string[] = [];
  let stopCluster = async (): Promise<void> => undefined;
  if (externalUrl !== undefined) {
    url = externalUrl;
    description = 'BENCH_DATABASE_URL';
  } else {
    const dir = path.join(os.tmpdir(), `gigavibe-bench-pg-${randomBytes(4).toString('hex')}`);
    stopCluster = async () => {
      await run('bash', [script, 'stop', dir]);
    };
    register(stopCluster);
    const opts = Object.entries(settings)
      .map(([name, value]) => `-c ${name}=${value}`)
      .join(' ');
    url = (
      await run('bash', [script, 'start', dir, 'on'], {
        maxBuffer: 1 << 20,
        env: { ...process.env, PG_THROWAWAY_OPTS: opts },
      })
    ).stdout.trim();
    postmasterPid = Number((await readFile(path.join(dir, 'data/postmaster.pid'), 'utf8')).split('\n')[0]);
    description = 'throwaway cluster (scripts/pg-throwaway.sh), fsync on';
  }
  const info = await withPgClient(url, async (c) => {
    const r = await c.query<{ v: string; fsync: string; sync: string }>(
      "select current_setting('server_version') as v, current_setting('fsync') as fsync, " +
        "current_setting('synchronous_commit') as sync",
    );
    const s = await c.query<{ name: string; value: string }>(
      'select name, current_setting(name) as value from unnest($1::text[]) as name',
      [WRITE_SETTINGS],
    );
    return { ...r.rows[0], settings: s.rows.map((row) => `${row.name}=${row.value}`).join(', ') };
  });
  const u = new URL(url);
  return {
    url,
    version: `PostgreSQL ${info?.v ?? '?'}`,
    description:
      `${description} (fsync=${info?.fsync}, synchronous_commit=${info?.sync}) at ${u.hostname}:${u.port}; ` +
      info.settings,
    postmasterPid,
    async createDatabase(prefix) {
      const name = `${prefix}_${randomBytes(4).toString('hex')}`;
      await withPgClient(url, (c) => c.query(`create database ${name}`));
      created.push(name);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async stop() {
      if (externalUrl !== undefined) {
        await withPgClient(url, async (c) => {
          for (const name of created) await c.query(`drop database if exists ${name} with (force)`);
        });
      }
      await stopCluster();
      stopCluster = async () => undefined;
    },
  };
}
