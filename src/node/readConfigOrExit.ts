import { ConfigError, loadConfig } from '../config/loadConfig.ts';
import { loadDotEnv } from '../config/loadDotEnv.ts';
import type { Env } from '../config/schema.ts';
import { StartupError } from '../startup/StartupError.ts';

/** Parse the process environment once (after reading `.env`, which never overrides a variable already set); a bad
 * variable prints its name and why, and exits 1. */
export function readConfigOrExit(vars: NodeJS.ProcessEnv): Env {
  try {
    loadDotEnv();
    return loadConfig(vars);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    console.error(`.env could not be read: ${(error as Error).message.split('\n')[0]}`);
    process.exit(1);
  }
}

/** Run a host's start; a StartupError (or a configuration error) is printed as its one line and exits 1, anything
 * else keeps its stack (a bug). */
export async function startOrExit(start: () => Promise<void>): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (error instanceof StartupError || error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
