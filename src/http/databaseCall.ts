import { BadRequestError, BaseError, UnavailableError } from '../errors.ts';

/** Await one database call for a route: a failure becomes a 503 with Retry-After (the client should retry), unless it
 * already is a typed error, or PostgreSQL refused a value the request carried (SQLSTATE class 22, "data exception":
 * an out-of-range number, a malformed timestamp), which is the client's error, not an outage: 400. The one place
 * routes turn a failing database into a response. */
export async function databaseCall<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    // A typed refusal keeps its status; an adapter's own failure (e.g. Supabase.RpcError, status 500) does not.
    if (error instanceof BaseError && error.status !== 500) throw error;
    if (isDataException(error)) throw new BadRequestError('A value in this request is out of range or malformed');
    throw new UnavailableError('Database unavailable; try again shortly', error, 5);
  }
}

/** pg, PGlite and the Supabase adapter all carry the SQLSTATE as `code`. */
function isDataException(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}
