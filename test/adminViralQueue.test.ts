import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERFORMANCE_CHANNEL } from '../scripts/neynarPayloads.ts';
import { createApp } from '../src/app.ts';
import { silentLogger } from '../src/support/logger.ts';
import { type DatabaseTarget, databaseTargets, type TestDatabase } from './support/databases.ts';
import { seedJobs } from './support/viralFixtures.ts';

const TOKEN = 'admin-token-0123456789abcdefghij';

describe.each(databaseTargets())('GET /api/admin/viral-queue on $name', (target: DatabaseTarget) => {
  let db: TestDatabase;
  let ids: number[];
  const build = (adminToken?: string) =>
    createApp(
      { webhookSecrets: ['x'.repeat(32)], performanceChannelUrl: PERFORMANCE_CHANNEL, adminToken },
      { stores: db.stores, logger: silentLogger, applyMode: 'none' },
    ).app;
  const get = async (path: string, authorization?: string, adminToken: string | null = TOKEN) => {
    const res = await build(adminToken ?? undefined).request(path, authorization ? { headers: { authorization } } : {});
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    db = await target.create();
    ids = await seedJobs(db, 'a', 3);
  });
  afterAll(async () => {
    await db.close();
  });

  it('is not mounted (404) when ADMIN_TOKEN is unset', async () => {
    expect((await get('/api/admin/viral-queue', `Bearer ${TOKEN}`, null)).status).toBe(404);
  });

  it('answers 401 without a token, with a wrong one, or with another scheme', async () => {
    for (const auth of [undefined, `Bearer ${TOKEN}x`, 'Bearer wrong', `Basic ${TOKEN}`, `Bearer  ${TOKEN}`, TOKEN]) {
      const res = await get('/api/admin/viral-queue', auth);
      expect(res, String(auth)).toEqual({ status: 401, body: { error: 'missing or invalid admin token' } });
    }
  });

  it('lists jobs newest first, filtered by status and paged by cursor', async () => {
    const auth = `Bearer ${TOKEN}`;
    const page = await get('/api/admin/viral-queue?status=pending&limit=2', auth);
    expect(page.status).toBe(200);
    const items = page.body.items as { id: number; status: string }[];
    expect(items.map((i) => i.id)).toEqual([...ids].reverse().slice(0, 2));
    expect(items.every((i) => i.status === 'pending')).toBe(true);
    const next = await get(`/api/admin/viral-queue?limit=2&cursor=${page.body.nextCursor}`, auth);
    expect((next.body.items as { id: number }[]).map((i) => i.id)).toEqual([ids[0]]);
    expect(next.body.nextCursor).toBeNull();
    const none = await get('/api/admin/viral-queue?status=confirmed', auth);
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it('answers 400 for invalid query parameters', async () => {
    const auth = `Bearer ${TOKEN}`;
    const cases: [string, string][] = [
      ['?status=done', 'status must be one of pending, submitting, submitted, confirmed, failed'],
      ['?limit=0', 'limit must be an integer from 1 to 200'],
      ['?limit=201', 'limit must be an integer from 1 to 200'],
      ['?limit=abc', 'limit must be an integer from 1 to 200'],
      ['?cursor=-1', 'cursor must be a job id from nextCursor'],
      ['?cursor=1e9', 'cursor must be a job id from nextCursor'],
      ['?order=asc', 'unknown parameter order'],
    ];
    for (const [query, error] of cases) {
      expect(await get(`/api/admin/viral-queue${query}`, auth)).toEqual({ status: 400, body: { error } });
    }
  });
});
