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
      BUY_RATE_PER_MINUTE: 20,
      BUY_RATE_PER_BUYER_PER_MINUTE: 10,
      FRAME_ACTION_RATE_PER_MINUTE: 60,
      PORTFOLIO_RATE_PER_MINUTE: 60,
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.NEYNAR_WEBHOOK_SECRET).toBeUndefined();
  });

  it('keeps only the origin of PUBLIC_URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://gigavibe.example/' }).PUBLIC_URL).toBe('https://gigavibe.example');
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

  it('reads the coin-creation chain config: CHAIN_ID 8453 by default, 84532 allowed', () => {
    const key = `0x${'ab'.repeat(32)}`;
    expect(loadConfig({}).CHAIN_ID).toBe(8453);
    expect(loadConfig({}).COIN_WORKER_SECONDS).toBe(5);
    const env = loadConfig({
      BASE_RPC_URL: 'https://mainnet.base.org',
      CHAIN_ID: '84532',
      PLATFORM_PRIVATE_KEY: key,
      PLATFORM_REFERRER_ADDRESS: `0x${'1'.repeat(40)}`,
    });
    expect(env).toMatchObject({ BASE_RPC_URL: 'https://mainnet.base.org', CHAIN_ID: 84532, PLATFORM_PRIVATE_KEY: key });
  });

  it.each([
    [{ CHAIN_ID: '1' }, 'CHAIN_ID: must be 8453 (Base) or 84532 (Base Sepolia)'],
    [{ BASE_RPC_URL: 'ftp://x' }, 'BASE_RPC_URL: must be an http(s) or ws(s) URL'],
    [{ PLATFORM_REFERRER_ADDRESS: '0x12' }, 'PLATFORM_REFERRER_ADDRESS: must be 0x followed by 40 hex digits'],
    [{ COIN_WORKER_SECONDS: '0' }, 'COIN_WORKER_SECONDS: must be between 1 and 3600'],
    [
      { PUBLIC_URL: 'https://gigavibe.example/app' },
      'PUBLIC_URL: must be a bare origin such as https://gigavibe.example (no path, query or credentials)',
    ],
    [
      { PUBLIC_URL: `https://${'a'.repeat(60)}.example` },
      'PUBLIC_URL: must be at most 56 characters (frames v1 URLs are limited to 256 bytes)',
    ],
    [{ BUY_MIN_ETH: '1e-3' }, 'BUY_MIN_ETH: must be a decimal ETH amount such as 0.001'],
    [{ BUY_MIN_ETH: '2' }, 'BUY_MIN_ETH: must be greater than 0 and at most BUY_MAX_ETH'],
    [{ BUY_DEFAULT_ETH: '5' }, 'BUY_DEFAULT_ETH: must be between BUY_MIN_ETH and BUY_MAX_ETH'],
    [{ BUY_SLIPPAGE: '0.9' }, 'BUY_SLIPPAGE: must be between 0 and 0.5 (exclusive of 0)'],
    [{ BUY_LAUNCH_GUARD_SECONDS: '5' }, 'BUY_LAUNCH_GUARD_SECONDS: must be at least 10 (Zora launch fee window)'],
    [{ BUY_RATE_PER_MINUTE: '0' }, 'BUY_RATE_PER_MINUTE: must be between 1 and 10000'],
    [{ BUY_RATE_PER_BUYER_PER_MINUTE: '2.5' }, 'BUY_RATE_PER_BUYER_PER_MINUTE: must be an integer'],
    [{ HUB_URL: 'ftp://hub' }, 'HUB_URL: must be an http(s) URL'],
    [{ FRAME_MAX_AGE_SECONDS: '1' }, 'FRAME_MAX_AGE_SECONDS: must be between 10 and 3600'],
  ])('rejects coin config %o naming the variable', (source, problem) => {
    expect(() => loadConfig(source)).toThrow(problem);
  });

  it('never echoes a malformed platform private key', () => {
    const bad = `0x${'z'.repeat(64)}`;
    try {
      loadConfig({ PLATFORM_PRIVATE_KEY: bad });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toContain('PLATFORM_PRIVATE_KEY: must be 0x followed by 64 hex digits');
      expect((e as Error).message).not.toContain(bad);
    }
  });

  it('never echoes a secret value in its error message', () => {
    try {
      loadConfig({ NEYNAR_WEBHOOK_SECRET: 'tooshort-secret', PORT: 'x' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('tooshort-secret');
    }
  });

  it('reads METRICS_TOKEN (at least 24 characters, never echoed) and SHUTDOWN_GRACE_SECONDS (default 10)', () => {
    const defaults = loadConfig({});
    expect(defaults.METRICS_TOKEN).toBeUndefined();
    expect(defaults.SHUTDOWN_GRACE_SECONDS).toBe(10);
    const token = 'metrics-token-0123456789abcdef';
    expect(loadConfig({ METRICS_TOKEN: token, SHUTDOWN_GRACE_SECONDS: '3' })).toMatchObject({
      METRICS_TOKEN: token,
      SHUTDOWN_GRACE_SECONDS: 3,
    });
    expect(() => loadConfig({ METRICS_TOKEN: 'short-metrics-token' })).toThrow(
      /METRICS_TOKEN: must be at least 24 characters/,
    );
    expect(() => loadConfig({ METRICS_TOKEN: 'short-metrics-token' })).not.toThrow(/short-metrics-token/);
    expect(() => loadConfig({ SHUTDOWN_GRACE_SECONDS: '0' })).toThrow(
      /SHUTDOWN_GRACE_SECONDS: must be between 1 and 300/,
    );
  });

  it('reads the drainer rest ratio (unset by default: the host picks one per database)', () => {
    expect(loadConfig({}).INGEST_APPLY_REST_RATIO).toBeUndefined();
    expect(loadConfig({ INGEST_APPLY_REST_RATIO: '1.5' }).INGEST_APPLY_REST_RATIO).toBe(1.5);
    expect(loadConfig({ INGEST_APPLY_REST_RATIO: '0' }).INGEST_APPLY_REST_RATIO).toBe(0);
    for (const bad of ['-1', '21', 'fast', '1e3']) {
      expect(() => loadConfig({ INGEST_APPLY_REST_RATIO: bad })).toThrow(
        /INGEST_APPLY_REST_RATIO: must be a number between 0 and 20/,
      );
    }
  });

  it('reads the drainer lag bound (unset by default: always rest while acknowledgements wait)', () => {
    expect(loadConfig({}).INGEST_APPLY_MAX_LAG_MS).toBeUndefined();
    expect(loadConfig({ INGEST_APPLY_MAX_LAG_MS: '2000' }).INGEST_APPLY_MAX_LAG_MS).toBe(2000);
    for (const bad of ['99', '600001', '1.5', 'soon', '-5']) {
      expect(() => loadConfig({ INGEST_APPLY_MAX_LAG_MS: bad })).toThrow(
        /INGEST_APPLY_MAX_LAG_MS: must be an integer between 100 and 600000/,
      );
    }
  });

  it('reads the number of apply lanes (unset by default: the host picks one per database)', () => {
    expect(loadConfig({}).INGEST_APPLY_LANES).toBeUndefined();
    expect(loadConfig({ INGEST_APPLY_LANES: '1' }).INGEST_APPLY_LANES).toBe(1);
    expect(loadConfig({ INGEST_APPLY_LANES: '4' }).INGEST_APPLY_LANES).toBe(4);
    for (const bad of ['0', '9', '2.5', 'two', '-1']) {
      expect(() => loadConfig({ INGEST_APPLY_LANES: bad })).toThrow(
        /INGEST_APPLY_LANES: must be an integer between 1 and 8/,
      );
    }
  });

  it('reads the stream limits, and refuses a heartbeat no shorter than the resume window', () => {
    expect(loadConfig({})).toMatchObject({
      STREAM_MAX_CONNECTIONS: 1000,
      STREAM_MAX_CONNECTIONS_PER_CLIENT: 10,
      STREAM_CONNECTS_PER_MINUTE: 30,
      STREAM_HEARTBEAT_SECONDS: 15,
      STREAM_RESUME_SECONDS: 60,
    });
    expect(loadConfig({ STREAM_MAX_CONNECTIONS: '5000' }).STREAM_MAX_CONNECTIONS).toBe(5000);
    expect(() => loadConfig({ STREAM_MAX_CONNECTIONS: '0' })).toThrow(/STREAM_MAX_CONNECTIONS: must be between/);
    expect(() => loadConfig({ STREAM_HEARTBEAT_SECONDS: '30', STREAM_RESUME_SECONDS: '30' })).toThrow(
      /STREAM_HEARTBEAT_SECONDS: must be less than STREAM_RESUME_SECONDS/,
    );
  });
});
