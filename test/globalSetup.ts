import { preparePostgresTemplate } from './support/databases.ts';

/** Once per test run: build the migrated PostgreSQL template that each test database is copied from. */
export async function setup(): Promise<void> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) await preparePostgresTemplate(url);
}
