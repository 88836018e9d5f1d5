import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { SupabaseRpcError } from '../db/supabase.ts';
import { BadRequestError, BaseError, UnavailableError } from '../errors.ts';
import { databaseCall } from './databaseCall.ts';

describe('databaseCall', () => {
  const db = new PGlite();
  afterAll(() => db.close());

  it('maps a data exception (SQLSTATE class 22) from PostgreSQL to 400', async () => {
    for (const sql of ["select '1'::timestamptz", 'select 1e300::bigint', "select 'x'::int", 'select 1 / 0']) {
      const error = await databaseCall(db.query(sql)).catch((e: unknown) => e);
      expect(error, sql).toBeInstanceOf(BadRequestError);
      expect((error as BaseError).status).toBe(400);
    }
  });

  it('maps the same SQLSTATE from the Data API (PostgREST) to 400', async () => {
    const failed = new SupabaseRpcError('list_performances', {
      status: 400,
      error: { code: '22007', message: 'invalid input syntax for type timestamp with time zone: "1"' },
    });
    await expect(databaseCall(Promise.reject(failed))).rejects.toBeInstanceOf(BadRequestError);
  });

  it('keeps every other failure a 503 with Retry-After, and typed errors as they are', async () => {
    const missing = await databaseCall(db.query('select * from no_such_table')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UnavailableError);
    expect((missing as UnavailableError).retryAfterSeconds).toBe(5);
    const down = await databaseCall(Promise.reject(new Error('connect ECONNREFUSED'))).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(UnavailableError);
    const typed = new BaseError('gone', { status: 404 });
    await expect(databaseCall(Promise.reject(typed))).rejects.toBe(typed);
    // The Data API adapter's own error is a BaseError too, but an outage, not a 500.
    const gateway = new SupabaseRpcError('db_health', { status: 503, error: { code: 'PGRST000', message: 'down' } });
    await expect(databaseCall(Promise.reject(gateway))).rejects.toBeInstanceOf(UnavailableError);
  });
});
