import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findPackageRoot } from '../support/findPackageRoot.ts';
import type { SqlClient } from './sqlClient.ts';

/** One file of supabase/migrations: `<UTC timestamp>_<name>.sql`. */
export interface Migration {
  version: string;
  name: string;
  sql: string;
}

/** supabase/ beside the package.json, from source and from the build alike. */
const supabaseDir = (): URL => pathToFileURL(`${path.join(findPackageRoot(import.meta.url), 'supabase')}/`);
const fileName = /^(\d{14})_([a-z0-9_]+)\.sql$/;

/** Read the migrations (sorted by version) and the local-only Supabase bootstrap from the repository. */
export async function readMigrations(dir: URL = new URL('migrations/', supabaseDir())): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  return Promise.all(
    files.map(async (file) => {
      const match = fileName.exec(file);
      if (!match?.[1] || !match[2])
        throw new Error(`migration file name must be <14-digit UTC timestamp>_<name>.sql: ${file}`);
      return { version: match[1], name: match[2], sql: await readFile(new URL(file, dir), 'utf8') };
    }),
  );
}

export async function readBootstrap(): Promise<string> {
  return readFile(new URL('bootstrap/local_supabase.sql', supabaseDir()), 'utf8');
}

// Any constant shared by every GigaVibe process; serialises concurrent migrators.
const MIGRATION_LOCK = 7_031_990_201;

/** Apply pending migrations in order, each in its own transaction, recording them in Supabase CLI's
 * `supabase_migrations.schema_migrations` so the CLI and this runner agree on what is applied. With
 * `bootstrap`, first create the Supabase roles and schemas plain PostgreSQL lacks. Returns the versions applied. */
export async function migrate(
  client: SqlClient,
  options: { migrations: Migration[]; bootstrap?: string | undefined },
): Promise<string[]> {
  return client.session(async (s) => {
    await s.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      if (options.bootstrap !== undefined) await s.exec(options.bootstrap);
      await s.exec(`
        create schema if not exists supabase_migrations;
        create table if not exists supabase_migrations.schema_migrations (
          version text primary key, statements text[], name text);`);
      const done = new Set(
        (await s.query<{ version: string }>('select version from supabase_migrations.schema_migrations')).map(
          (r) => r.version,
        ),
      );
      const applied: string[] = [];
      for (const m of options.migrations) {
        if (done.has(m.version)) continue;
        await s.exec('begin');
        try {
          await s.exec(m.sql);
          await s.query(
            'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
            [m.version, m.name, [m.sql]],
          );
          await s.exec('commit');
        } catch (error) {
          await s.exec('rollback');
          throw new Error(`migration ${m.version}_${m.name} failed: ${(error as Error).message}`, { cause: error });
        }
        applied.push(m.version);
      }
      return applied;
    } finally {
      await s.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });
}
