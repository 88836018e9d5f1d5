import { BaseError, UnavailableError } from '../errors.ts';

/** Await one database call for a route: a failure becomes a 503 with Retry-After (the client should retry), unless it
 * already is a typed error. The one place routes turn an unreachable or failing database into a response. */
export async function databaseCall<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof BaseError) throw error;
    throw new UnavailableError('Database unavailable; try again shortly', error, 5);
  }
}
