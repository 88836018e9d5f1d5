import { existsSync } from 'node:fs';
import path from 'node:path';

/** Read `.env` from the working directory into process.env, if the file exists. Variables already set in the real
 * environment win (Node's loadEnvFile never overwrites them), so the precedence is: environment, then .env, then
 * the schema's defaults. Returns the file read, or null. */
export function loadDotEnv(file = '.env'): string | null {
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) return null;
  process.loadEnvFile(absolute);
  return absolute;
}
