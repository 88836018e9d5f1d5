import { describe, expect, it } from 'vitest';
import { readWorkerConfig } from './readWorkerConfig.ts';

const SECRET = 'a-webhook-secret-of-enough-length';
const SUPABASE = { SUPABASE_URL: 'https://project.supabase.co', SUPABASE_SERVICE_ROLE_KEY: 'service-role-key' };

describe('readWorkerConfig', () => {
  it('selects Supabase when its URL and key are bound, with the secrets and defaults parsed', () => {
    const config = readWorkerConfig({ ...SUPABASE, NEYNAR_WEBHOOK_SECRET: `${SECRET}, ${SECRET}-next` });
    expect(config).toMatchObject({
      ok: true,
      webhookSecrets: [SECRET, `${SECRET}-next`],
      database: { kind: 'supabase', url: SUPABASE.SUPABASE_URL, serviceRoleKey: 'service-role-key' },
      env: { PERFORMANCE_CHANNEL_URL: 'https://farcaster.xyz/~/channel/gigavibe', LOG_LEVEL: 'info' },
    });
  });

  it('selects PostgreSQL when DATABASE_URL is bound, ignoring bindings that are not strings', () => {
    const config = readWorkerConfig({
      DATABASE_URL: 'postgres://user:pw@db.example.com:5432/app',
      NEYNAR_WEBHOOK_SECRET: SECRET,
      SOME_KV: { get: () => null },
    });
    expect(config).toMatchObject({
      ok: true,
      database: { kind: 'postgres', connectionString: 'postgres://user:pw@db.example.com:5432/app' },
    });
  });

  it('names every missing variable: the webhook secret and a database', () => {
    expect(readWorkerConfig({})).toEqual({
      ok: false,
      names: ['NEYNAR_WEBHOOK_SECRET', 'DATABASE_URL or SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY'],
      problems: [
        'NEYNAR_WEBHOOK_SECRET: is required on Workers (set it with `wrangler secret put`)',
        'DATABASE_URL or SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY: a database is required on Workers (there is no ' +
          'embedded database)',
      ],
    });
    expect(readWorkerConfig({ ...SUPABASE, NEYNAR_WEBHOOK_SECRET: '  ' })).toMatchObject({
      ok: false,
      names: ['NEYNAR_WEBHOOK_SECRET'],
    });
    expect(readWorkerConfig({ NEYNAR_WEBHOOK_SECRET: SECRET, SUPABASE_SERVICE_ROLE_KEY: 'k' })).toMatchObject({
      ok: false,
      names: ['SUPABASE_URL'],
    });
    expect(readWorkerConfig({ NEYNAR_WEBHOOK_SECRET: SECRET, SUPABASE_URL: SUPABASE.SUPABASE_URL })).toMatchObject({
      ok: false,
      names: ['SUPABASE_SERVICE_ROLE_KEY'],
    });
  });

  it('reports invalid values by name and reason, never echoing the value', () => {
    const config = readWorkerConfig({
      NEYNAR_WEBHOOK_SECRET: 'short-secret',
      DATABASE_URL: 'mysql://user:hunter2@db.example.com/app',
    });
    expect(config.ok).toBe(false);
    if (config.ok) return;
    expect(config.names).toEqual(['DATABASE_URL', 'NEYNAR_WEBHOOK_SECRET']);
    const text = config.problems.join('\n');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('short-secret');
  });
  it('parses the frames and trading variables with the shared schema, as the Node host does', () => {
    const config = readWorkerConfig({
      ...SUPABASE,
      NEYNAR_WEBHOOK_SECRET: SECRET,
      PUBLIC_URL: 'https://gigavibe.example/',
      HUB_URL: 'https://hub.example',
      HUB_API_KEY: 'hub-key',
      BASE_RPC_URL: 'https://base.example/rpc',
      CHAIN_ID: '84532',
      BUY_DEFAULT_ETH: '0.002',
      FRAME_MAX_AGE_SECONDS: '120',
    });
    expect(config).toMatchObject({
      ok: true,
      env: {
        PUBLIC_URL: 'https://gigavibe.example',
        HUB_URL: 'https://hub.example',
        HUB_API_KEY: 'hub-key',
        HUB_SIGNER_CACHE_SECONDS: 600,
        BASE_RPC_URL: 'https://base.example/rpc',
        CHAIN_ID: 84532,
        BUY_MIN_ETH: '0.0001',
        BUY_MAX_ETH: '1',
        BUY_DEFAULT_ETH: '0.002',
        BUY_SLIPPAGE: 0.05,
        FRAME_MAX_AGE_SECONDS: 120,
      },
    });
    // Optional: without them the frames answer 503 (PUBLIC_URL) or refuse signed actions (HUB_URL), nothing else.
    expect(readWorkerConfig({ ...SUPABASE, NEYNAR_WEBHOOK_SECRET: SECRET }).ok).toBe(true);
  });

  it('names a frames or trading variable that is invalid', () => {
    const config = readWorkerConfig({
      ...SUPABASE,
      NEYNAR_WEBHOOK_SECRET: SECRET,
      PUBLIC_URL: 'https://gigavibe.example/frames',
      CHAIN_ID: '1',
    });
    expect(config.ok).toBe(false);
    if (config.ok) return;
    expect([...config.names].sort()).toEqual(['CHAIN_ID', 'PUBLIC_URL']);
    expect(readWorkerConfig({ ...SUPABASE, NEYNAR_WEBHOOK_SECRET: SECRET, BUY_DEFAULT_ETH: '5' })).toMatchObject({
      ok: false,
      names: ['BUY_DEFAULT_ETH'],
    });
  });
});
