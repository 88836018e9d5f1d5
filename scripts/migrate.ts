/** `npm run db:migrate`: apply pending migrations from supabase/migrations to the configured database
 * (DATABASE_URL, else the embedded PGlite database in DATA_DIR) and record them in
 * supabase_migrations.schema_migrations. For Supabase projects use `supabase db push` instead. */
import { ConfigError, loadConfig } from '../src/config/loadConfig.ts';
import { loadDotEnv } from '../src/config/loadDotEnv.ts';
import { openDatabase } from '../src/node/openDatabase.ts';
import { StartupError } from '../src/startup/StartupError.ts';

try {
  loadDotEnv();
  const env = loadConfig(process.env);
  if (env.SUPABASE_URL !== undefined) {
    console.error('SUPABASE_URL is set: apply migrations with `supabase db push` (Supabase CLI) instead.');
    process.exit(1);
  }
  const db = await openDatabase(env, { migrate: true, command: 'npm run db:migrate' });
  console.log(
    db.applied.length === 0
      ? `${db.kind}: schema is up to date`
      : `${db.kind}: applied ${db.applied.length} migration(s): ${db.applied.join(', ')}`,
  );
  await db.stores.close();
} catch (error) {
  console.error(
    error instanceof ConfigError || error instanceof StartupError
      ? error.message
      : `migration failed: ${(error as Error).message}`,
  );
  process.exit(1);
}
