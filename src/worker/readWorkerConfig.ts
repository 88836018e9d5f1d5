import { ConfigError, loadConfig } from '../config/loadConfig.ts';
import type { Env } from '../config/schema.ts';

/** Where a Worker keeps its data: Supabase's Data API over fetch, or PostgreSQL over a TCP socket (pg). */
export type WorkerDatabase =
  | { kind: 'supabase'; url: string; serviceRoleKey: string }
  | { kind: 'postgres'; connectionString: string };

/** A usable Worker configuration, or the variables that are missing or invalid (names and reasons, never values). */
export type WorkerConfig =
  | { ok: true; env: Env; webhookSecrets: string[]; database: WorkerDatabase }
  | { ok: false; names: string[]; problems: string[] };

const DATABASE = 'DATABASE_URL or SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY';

function present(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/** Parse a Worker's bindings with the shared config schema, then require what the Node host can default but a
 * Worker cannot: a webhook secret (no file system to keep a generated one) and a database (no embedded PGlite). */
export function readWorkerConfig(bindings: Record<string, unknown>): WorkerConfig {
  const vars: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(bindings)) if (typeof value === 'string') vars[name] = value;

  const problems: string[] = [];
  let env: Env | null = null;
  try {
    env = loadConfig(vars);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (!present(vars.NEYNAR_WEBHOOK_SECRET)) {
    problems.push('NEYNAR_WEBHOOK_SECRET: is required on Workers (set it with `wrangler secret put`)');
  }
  const supabase = present(vars.SUPABASE_URL) || present(vars.SUPABASE_SERVICE_ROLE_KEY);
  if (!present(vars.DATABASE_URL) && !supabase) {
    problems.push(`${DATABASE}: a database is required on Workers (there is no embedded database)`);
  } else if (!present(vars.SUPABASE_URL) && present(vars.SUPABASE_SERVICE_ROLE_KEY) && !present(vars.DATABASE_URL)) {
    problems.push('SUPABASE_URL: is required when SUPABASE_SERVICE_ROLE_KEY is set');
  }

  const database = env === null ? null : databaseOf(env);
  if (env === null || database === null || problems.length > 0) {
    const names = [...new Set(problems.map((p) => p.slice(0, p.indexOf(':'))))];
    return { ok: false, names, problems };
  }
  return { ok: true, env, webhookSecrets: env.NEYNAR_WEBHOOK_SECRET ?? [], database };
}

function databaseOf(env: Env): WorkerDatabase | null {
  if (env.SUPABASE_URL !== undefined && env.SUPABASE_SERVICE_ROLE_KEY !== undefined) {
    return { kind: 'supabase', url: env.SUPABASE_URL, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY };
  }
  if (env.DATABASE_URL !== undefined) return { kind: 'postgres', connectionString: env.DATABASE_URL };
  return null;
}
