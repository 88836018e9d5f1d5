import { BaseError } from '../errors.ts';
import { configSchema, type Env } from './schema.ts';

/** A configuration variable is missing or invalid; the message names each variable and why. */
export class ConfigError extends BaseError {
  override name = 'Config.InvalidError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parse the environment once; throws ConfigError listing every bad variable. */
export function loadConfig(source: Record<string, string | undefined>): Env {
  const result = configSchema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? 'config');
    return `${name}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}
