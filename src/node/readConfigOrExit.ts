import { ConfigError, loadConfig } from '../config/loadConfig.ts';
import type { Env } from '../config/schema.ts';

/** Parse the process environment once; a bad variable prints its name and why, and exits 1. */
export function readConfigOrExit(vars: NodeJS.ProcessEnv): Env {
  try {
    return loadConfig(vars);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
