/** `npm run db:seed`: deliver the demo performances (three artists, their likes, recasts and replies) to the
 * configured database through the webhook's ingest path, so their counts, viral scores and engagers agree. Safe to
 * run again (reactions are state: a repeat counts nothing twice). The development host does this by itself for a new
 * embedded database. */
import { ConfigError, loadConfig } from '../src/config/loadConfig.ts';
import { loadDotEnv } from '../src/config/loadDotEnv.ts';
import { openDatabase } from '../src/node/openDatabase.ts';
import { StartupError } from '../src/startup/StartupError.ts';
import { seedDemo } from './demo/seedDemo.ts';

try {
  loadDotEnv();
  const env = loadConfig(process.env);
  const db = await openDatabase(env, { command: 'npm run db:seed' });
  try {
    const applied = await seedDemo(db.stores.ingest, { channelUrl: env.PERFORMANCE_CHANNEL_URL });
    console.log(`${db.kind}: demo delivered (${applied} events applied)`);
  } finally {
    await db.stores.close();
  }
} catch (error) {
  console.error(
    error instanceof ConfigError || error instanceof StartupError
      ? error.message
      : `seeding failed: ${(error as Error).message}`,
  );
  process.exit(1);
}
