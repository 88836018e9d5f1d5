import { z } from 'zod';

/** A string Postgres can store: well-formed UTF-16 (no lone surrogates) and no NUL characters. */
const text = (max: number) =>
  z
    .string()
    .max(max, `longer than ${max} characters`)
    .refine((s) => s.isWellFormed() && !s.includes('\u0000'), { message: 'contains NUL or unpaired surrogates' });

export const castHashSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be 0x followed by 40 hex digits')
  .transform((s) => s.toLowerCase());

export const fidSchema = z.number().int('must be an integer').positive('must be positive').max(Number.MAX_SAFE_INTEGER);

const ethAddress = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be an Ethereum address')
  .transform((s) => s.toLowerCase());

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

/** A Neynar `User` or `UserDehydrated` object (only fid is guaranteed). */
export const neynarUserSchema = z.object({
  fid: fidSchema,
  username: text(64).nullish(),
  display_name: text(256).nullish(),
  pfp_url: text(2048).nullish(),
  custody_address: ethAddress.nullish(),
  verified_addresses: z
    .object({
      eth_addresses: z.array(ethAddress).max(100),
      primary: z.object({ eth_address: ethAddress.nullish() }).nullish(),
    })
    .nullish(),
  score: z.number().min(0).max(1).nullish(),
  experimental: z.object({ neynar_user_score: z.number().min(0).max(1).nullish() }).nullish(),
});
export type NeynarUser = z.infer<typeof neynarUserSchema>;

const embedSchema = z.union([
  z.object({
    url: text(2048),
    metadata: z.object({ content_type: text(255).nullish() }).nullish(),
  }),
  z.object({ cast_id: z.object({ fid: fidSchema, hash: castHashSchema }).optional(), cast: z.unknown().optional() }),
]);

/** The `Cast` carried by `cast.created` (and, with fewer guarantees, `cast.deleted`). */
export const neynarCastSchema = z.object({
  hash: castHashSchema,
  parent_hash: castHashSchema.nullish(),
  parent_url: text(2048).nullish(),
  root_parent_url: text(2048).nullish(),
  author: neynarUserSchema,
  text: text(20_000).default(''),
  timestamp: isoTime,
  embeds: z.array(embedSchema).max(32).default([]),
});
export type NeynarCast = z.infer<typeof neynarCastSchema>;

export const neynarDeletedCastSchema = z.object({
  hash: castHashSchema,
  parent_hash: castHashSchema.nullish(),
  author: neynarUserSchema.nullish(),
  timestamp: isoTime.nullish(),
});

/** `reaction.created` / `reaction.deleted` data; reaction_type 1 is a like, 2 a recast. */
export const neynarReactionSchema = z.object({
  reaction_type: z.union([z.literal(1), z.literal(2)], { message: 'must be 1 (like) or 2 (recast)' }),
  cast: z.object({ hash: castHashSchema, author: neynarUserSchema.partial().extend({ fid: fidSchema }).nullish() }),
  user: neynarUserSchema,
  timestamp: isoTime.nullish(),
  event_timestamp: isoTime.nullish(),
});

export const neynarFollowSchema = z.object({
  user: neynarUserSchema,
  target_user: neynarUserSchema,
  event_timestamp: isoTime.nullish(),
  timestamp: isoTime.nullish(),
});

export const neynarTradeSchema = z.object({ trader: neynarUserSchema.nullish() });

/** The webhook envelope: `{ type, created_at (unix seconds), data }`. */
export const neynarEnvelopeSchema = z.object({
  type: text(64).pipe(z.string().min(1, 'must not be empty')),
  created_at: z.number().int().nonnegative().nullish(),
  event_timestamp: isoTime.nullish(),
  data: z.unknown(),
});
