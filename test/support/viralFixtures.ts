/** Helpers for viral tests: parameters, seeded performances and queue jobs straight in SQL. */

import { castHash } from '../../scripts/neynarPayloads.ts';
import type { TestDatabase } from './databases.ts';

/** Set viral parameters through public.set_viral_params (recorded like any change). */
export async function setParams(db: TestDatabase, patch: Record<string, number>): Promise<void> {
  await db.sql.query('select public.set_viral_params($1::jsonb, $2)', [JSON.stringify(patch), 'test']);
}

/** The number of coin-creation jobs for a cast (0 or 1, by the unique key). */
export async function jobsFor(db: TestDatabase, hash: string): Promise<number> {
  const rows = await db.sql.query<{ n: number }>(
    `select count(*)::int as n from public.viral_queue q join public.performances p on p.id = q.performance_id
     where p.cast_hash = $1`,
    [hash],
  );
  return rows[0]?.n ?? 0;
}

/** Insert n performances by one artist (with a wallet) and one pending job each; returns the job ids. */
export async function seedJobs(db: TestDatabase, prefix: string, n: number): Promise<number[]> {
  const fid = 900_000 + Math.floor(Math.random() * 90_000);
  await db.sql.query(
    `insert into public.users (farcaster_fid, custody_address, profile_at) values ($1, $2, now())
     on conflict do nothing`,
    [fid, `0x${fid.toString(16).padStart(40, '0')}`],
  );
  const ids: number[] = [];
  for (let i = 1; i <= n; i++) {
    const rows = await db.sql.query<{ id: string }>(
      `with p as (
         insert into public.performances (cast_hash, artist_fid, title, cast_created_at)
         values ($1, $2, $3, now()) returning id
       )
       insert into public.viral_queue (performance_id, detection_score) select id, 1 from p returning id::text`,
      [castHash(i + Math.floor(Math.random() * 1e9), prefix), fid, `Seeded ${i}`],
    );
    ids.push(Number(rows[0]?.id));
  }
  return ids;
}
