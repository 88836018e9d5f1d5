import { z } from 'zod';
import { MAX_ORIGIN_LENGTH } from '../../frames/maxOriginLength.ts';
import { parseAccountAssociation } from '../miniapp/parseAccountAssociation.ts';

const optionalString = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string())
  .optional()
  .transform((s) => (s === '' ? undefined : s));

const optionalUrl = (protocols: RegExp, expected: string) =>
  optionalString.pipe(
    z
      .string()
      .refine((s) => URL.canParse(s) && protocols.test(new URL(s).protocol), { message: `must be ${expected}` })
      .optional(),
  );

/** A decimal ETH amount such as 0.001 (at most 18 decimals), kept as the exact string. */
const ethAmount = z
  .string()
  .trim()
  .regex(/^(\d+(\.\d{1,18})?|\.\d{1,18})$/, 'must be a decimal ETH amount such as 0.001');

/** Every environment variable the server reads, with defaults. Parsed once at start (see loadConfig). */
export const configSchema = z
  .object({
    PORT: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 65535')
      .max(65535, 'must be between 1 and 65535')
      .default(8787),
    PUBLIC_URL: optionalUrl(/^https?:$/, 'an http(s) URL').pipe(
      z
        .string()
        .refine((u) => new URL(u).origin === u.replace(/\/$/, ''), {
          message: 'must be a bare origin such as https://gigavibe.example (no path, query or credentials)',
        })
        .refine((u) => new URL(u).origin.length <= MAX_ORIGIN_LENGTH, {
          message: `must be at most ${MAX_ORIGIN_LENGTH} characters (frames v1 URLs are limited to 256 bytes)`,
        })
        .transform((u) => new URL(u).origin)
        .optional(),
    ),
    DATABASE_URL: optionalUrl(/^postgres(ql)?:$/, 'a postgres:// or postgresql:// URL'),
    DATA_DIR: z.string().min(1, 'must not be empty').default('./.data'),
    SUPABASE_URL: optionalUrl(/^https?:$/, 'an http(s) URL'),
    SUPABASE_SERVICE_ROLE_KEY: optionalString,
    NEYNAR_WEBHOOK_SECRET: optionalString.pipe(
      z
        .string()
        .transform((s) =>
          s
            .split(',')
            .map((x) => x.trim())
            .filter((x) => x.length > 0),
        )
        .refine((list) => list.length > 0, { message: 'must list at least one secret' })
        .refine((list) => list.every((x) => x.length >= 16), { message: 'each secret must be at least 16 characters' })
        .optional(),
    ),
    NEYNAR_API_KEY: optionalString,
    NEYNAR_API_BASE_URL: optionalUrl(/^https?:$/, 'an http(s) URL').transform((s) => s ?? 'https://api.neynar.com'),
    PERFORMANCE_CHANNEL_URL: optionalUrl(/^[a-z][a-z0-9+.-]*:$/, 'a URL').transform(
      (s) => s ?? 'https://farcaster.xyz/~/channel/gigavibe',
    ),
    MIGRATE_ON_START: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .default('true')
      .transform((s) => s === 'true'),
    NOTIFICATION_PRIVATE_ADDRESS_CHECK: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .default('true')
      .transform((s) => s === 'true'),
    VIRAL_SCORE_THRESHOLD: optionalString.pipe(
      z
        .string()
        .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
        .transform(Number)
        .refine((n) => n > 0 && Number.isFinite(n), { message: 'must be a positive number' })
        .optional(),
    ),
    VIRAL_SWEEP_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 3600')
      .max(3600, 'must be between 1 and 3600')
      .default(30),
    BASE_RPC_URL: optionalUrl(/^(https?|wss?):$/, 'an http(s) or ws(s) URL'),
    CHAIN_ID: z
      .enum(['8453', '84532'], { message: 'must be 8453 (Base) or 84532 (Base Sepolia)' })
      .default('8453')
      .transform((s) => (s === '8453' ? 8453 : 84532)),
    PLATFORM_PRIVATE_KEY: optionalString.pipe(
      z
        .string()
        .regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x followed by 64 hex digits')
        .transform((s) => s as `0x${string}`)
        .optional(),
    ),
    ZORA_API_KEY: optionalString,
    ZORA_API_BASE_URL: optionalUrl(/^https?:$/, 'an http(s) URL'),
    PLATFORM_REFERRER_ADDRESS: optionalString.pipe(
      z
        .string()
        .regex(/^0x[0-9a-fA-F]{40}$/, 'must be 0x followed by 40 hex digits')
        .transform((s) => s as `0x${string}`)
        .optional(),
    ),
    COIN_WORKER_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 3600')
      .max(3600, 'must be between 1 and 3600')
      .default(5),
    HUB_URL: optionalUrl(/^https?:$/, 'an http(s) URL'),
    HUB_API_KEY: optionalString,
    HUB_SIGNER_CACHE_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(0, 'must be between 0 and 86400')
      .max(86400, 'must be between 0 and 86400')
      .default(600),
    FRAME_MAX_AGE_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(10, 'must be between 10 and 3600')
      .max(3600, 'must be between 10 and 3600')
      .default(300),
    MINIAPP_URL: optionalUrl(/^https?:$/, 'an http(s) URL').pipe(
      z.string().max(150, 'must be at most 150 characters (frames v1 link limit)').optional(),
    ),
    QUICK_AUTH_ORIGIN: optionalUrl(/^https?:$/, 'an http(s) URL').pipe(
      z
        .string()
        .refine((u) => new URL(u).origin === u.replace(/\/$/, ''), { message: 'must be a bare origin' })
        .transform((u) => new URL(u).origin)
        .optional(),
    ),
    MINIAPP_NAME: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(32, 'must be at most 32 characters')
      .default('GigaVibe'),
    MINIAPP_SPLASH_BACKGROUND_COLOR: z
      .string()
      .trim()
      .regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a hex colour such as #120f24')
      .default('#120f24'),
    MINIAPP_ACCOUNT_ASSOCIATION: optionalString,
    MINIAPP_ASSOCIATION_HEADER: optionalString,
    MINIAPP_ASSOCIATION_PAYLOAD: optionalString,
    MINIAPP_ASSOCIATION_SIGNATURE: optionalString,
    BUY_MIN_ETH: ethAmount.default('0.0001'),
    BUY_MAX_ETH: ethAmount.default('1'),
    BUY_DEFAULT_ETH: ethAmount.default('0.001'),
    BUY_SLIPPAGE: z.coerce
      .number({ message: 'must be a number' })
      .gt(0, 'must be between 0 and 0.5 (exclusive of 0)')
      .max(0.5, 'must be between 0 and 0.5 (exclusive of 0)')
      .default(0.05),
    BUY_LAUNCH_GUARD_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(10, 'must be at least 10 (Zora launch fee window)')
      .max(3600, 'must be at most 3600')
      .default(15),
    BUY_RATE_PER_MINUTE: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 10000')
      .max(10000, 'must be between 1 and 10000')
      .default(20),
    FRAME_ACTION_RATE_PER_MINUTE: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 10000')
      .max(10000, 'must be between 1 and 10000')
      .default(60),
    PORTFOLIO_RATE_PER_MINUTE: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 10000')
      .max(10000, 'must be between 1 and 10000')
      .default(60),
    BUY_RATE_PER_BUYER_PER_MINUTE: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 10000')
      .max(10000, 'must be between 1 and 10000')
      .default(10),
    TRADE_CONFIRMER_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 3600')
      .max(3600, 'must be between 1 and 3600')
      .default(5),
    CHAIN_CONFIRMATIONS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(0, 'must be between 0 and 1000')
      .max(1000, 'must be between 0 and 1000')
      .default(10),
    INDEXER_BLOCK_RANGE: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 100000')
      .max(100000, 'must be between 1 and 100000')
      .default(2000),
    ADMIN_TOKEN: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
    METRICS_TOKEN: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
    ANALYTICS_RETENTION_DAYS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 3650')
      .max(3650, 'must be between 1 and 3650')
      .default(90),
    INBOX_RETENTION_DAYS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 3650')
      .max(3650, 'must be between 1 and 3650')
      .default(14),
    /** Node host: how long the inbox drainer rests between apply calls while acknowledgements wait, as a multiple of
     * the last call's duration (unset: 0.5 on PostgreSQL, 1 on PGlite). Higher favours acknowledgement during a burst,
     * lower keeps the metrics fresher; npm run bench:ingest -- --rest-ratios measures the trade. */
    INGEST_APPLY_REST_RATIO: optionalString.pipe(
      z
        .string()
        .regex(/^\d+(\.\d+)?$/, 'must be a number between 0 and 20')
        .transform(Number)
        .refine((n) => n <= 20, { message: 'must be a number between 0 and 20' })
        .optional(),
    ),
    /** Node host: how many apply calls run at once while a backlog is applied with no acknowledgement waiting (after a
     * burst), one inbox lane each (unset: 2 on PostgreSQL; always 1 on PGlite, which runs one query at a time). */
    INGEST_APPLY_LANES: optionalString.pipe(
      z
        .string()
        .regex(/^[1-8]$/, 'must be an integer between 1 and 8')
        .transform(Number)
        .optional(),
    ),
    /** Node host: the drainer rests (INGEST_APPLY_REST_RATIO) only while application has been behind for less than
     * this many milliseconds; past it, it applies without resting until it catches up (unset: always rests). */
    INGEST_APPLY_MAX_LAG_MS: optionalString.pipe(
      z
        .string()
        .regex(/^\d+$/, 'must be an integer between 100 and 600000')
        .transform(Number)
        .refine((n) => n >= 100 && n <= 600_000, { message: 'must be an integer between 100 and 600000' })
        .optional(),
    ),
    SHUTDOWN_GRACE_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 300')
      .max(300, 'must be between 1 and 300')
      .default(10),
    STREAM_MAX_CONNECTIONS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 100000')
      .max(100000, 'must be between 1 and 100000')
      .default(1000),
    STREAM_MAX_CONNECTIONS_PER_CLIENT: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 100000')
      .max(100000, 'must be between 1 and 100000')
      .default(10),
    STREAM_CONNECTS_PER_MINUTE: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 100000')
      .max(100000, 'must be between 1 and 100000')
      .default(30),
    STREAM_HEARTBEAT_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be between 1 and 120')
      .max(120, 'must be between 1 and 120')
      .default(15),
    STREAM_RESUME_SECONDS: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(5, 'must be between 5 and 600')
      .max(600, 'must be between 5 and 600')
      .default(60),
    LOG_LEVEL: z
      .enum(['debug', 'info', 'warn', 'error', 'silent'], { message: 'must be debug, info, warn, error or silent' })
      .default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.SUPABASE_URL !== undefined && c.SUPABASE_SERVICE_ROLE_KEY === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SUPABASE_SERVICE_ROLE_KEY'],
        message: 'is required when SUPABASE_URL is set',
      });
    }
    if (Number(c.BUY_MIN_ETH) <= 0 || Number(c.BUY_MIN_ETH) > Number(c.BUY_MAX_ETH)) {
      ctx.addIssue({
        code: 'custom',
        path: ['BUY_MIN_ETH'],
        message: 'must be greater than 0 and at most BUY_MAX_ETH',
      });
    }
    if (Number(c.BUY_DEFAULT_ETH) < Number(c.BUY_MIN_ETH) || Number(c.BUY_DEFAULT_ETH) > Number(c.BUY_MAX_ETH)) {
      ctx.addIssue({
        code: 'custom',
        path: ['BUY_DEFAULT_ETH'],
        message: 'must be between BUY_MIN_ETH and BUY_MAX_ETH',
      });
    }
    const parts = [c.MINIAPP_ASSOCIATION_HEADER, c.MINIAPP_ASSOCIATION_PAYLOAD, c.MINIAPP_ASSOCIATION_SIGNATURE];
    const given = parts.filter((x) => x !== undefined).length;
    if (given > 0 && given < 3) {
      ctx.addIssue({
        code: 'custom',
        path: ['MINIAPP_ASSOCIATION_HEADER'],
        message: 'set all three of MINIAPP_ASSOCIATION_HEADER, _PAYLOAD and _SIGNATURE, or none',
      });
    }
    if (given > 0 && c.MINIAPP_ACCOUNT_ASSOCIATION !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['MINIAPP_ACCOUNT_ASSOCIATION'],
        message: 'set MINIAPP_ACCOUNT_ASSOCIATION or its three parts, not both',
      });
    }
    const association =
      c.MINIAPP_ACCOUNT_ASSOCIATION ??
      (given === 3 ? { header: parts[0], payload: parts[1], signature: parts[2] } : undefined);
    if (association !== undefined) {
      try {
        parseAccountAssociation(association);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: [given === 3 ? 'MINIAPP_ASSOCIATION_HEADER' : 'MINIAPP_ACCOUNT_ASSOCIATION'],
          message: (error as Error).message,
        });
      }
    }
    if (c.STREAM_HEARTBEAT_SECONDS >= c.STREAM_RESUME_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['STREAM_HEARTBEAT_SECONDS'],
        message: 'must be less than STREAM_RESUME_SECONDS (heartbeats carry the resume position)',
      });
    }
    if (c.SUPABASE_URL !== undefined && c.DATABASE_URL !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['DATABASE_URL'], message: 'set DATABASE_URL or SUPABASE_URL, not both' });
    }
  });

/** The parsed environment (see .env.example for what each variable means). */
export type Env = z.infer<typeof configSchema>;
