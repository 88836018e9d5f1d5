import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './loadConfig.ts';

describe('loadConfig', () => {
  it('runs with no configuration at all (embedded database, defaults)', () => {
    const env = loadConfig({});
    expect(env).toMatchObject({
      PORT: 8787,
      DATA_DIR: './.data',
      NEYNAR_API_BASE_URL: 'https://api.neynar.com',
      PERFORMANCE_CHANNEL_URL: 'https://farcaster.xyz/~/channel/gigavibe',
      MIGRATE_ON_START: true,
      LOG_LEVEL: 'info',
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.NEYNAR_WEBHOOK_SECRET).toBeUndefined();
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', NEYNAR_WEBHOOK_SECRET: ' ' }).DATABASE_URL).toBeUndefined();
  });

  it('splits a comma-separated webhook secret list for rotation', () => {
    const env = loadConfig({ NEYNAR_WEBHOOK_SECRET: 'aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbb,' });
    expect(env.NEYNAR_WEBHOOK_SECRET).toEqual(['aaaaaaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbbbbbb']);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT: must be a number'],
    [{ PORT: '70000' }, 'PORT: must be between 1 and 65535'],
    [{ PORT: '80.5' }, 'PORT: must be an integer'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: must be a postgres:// or postgresql:// URL'],
    [{ SUPABASE_URL: 'https://x.supabase.co' }, 'SUPABASE_SERVICE_ROLE_KEY: is required when SUPABASE_URL is set'],
    [{ NEYNAR_WEBHOOK_SECRET: 'short' }, 'NEYNAR_WEBHOOK_SECRET: each secret must be at least 16 characters'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: must be debug, info, warn, error or silent'],
    [
      { DATABASE_URL: 'postgres://a@b/c', SUPABASE_URL: 'https://x.supabase.co', SUPABASE_SERVICE_ROLE_KEY: 'k' },
      'DATABASE_URL: set DATABASE_URL or SUPABASE_URL, not both',
    ],
  ])('rejects %o naming the variable and the reason', (source, problem) => {
    let error: unknown;
    try {
      loadConfig(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toContain(problem);
  });

  it('never echoes a secret value in its error message', () => {
    try {
      loadConfig({ NEYNAR_WEBHOOK_SECRET: 'tooshort-secret', PORT: 'x' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('tooshort-secret');
    }
  });
});
