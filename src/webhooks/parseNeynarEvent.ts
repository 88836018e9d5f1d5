import type { z } from 'zod';
import { classifyPerformance } from './classifyPerformance.ts';
import type { EngagementEvent, UserUpdate } from './events.ts';
import {
  type NeynarUser,
  neynarCastSchema,
  neynarDeletedCastSchema,
  neynarEnvelopeSchema,
  neynarFollowSchema,
  neynarReactionSchema,
  neynarTradeSchema,
  neynarUserSchema,
} from './neynarSchemas.ts';

export type ParseResult = { ok: true; type: string; event: EngagementEvent } | { ok: false; reason: string };

export interface ParseOptions {
  performanceChannelUrl: string;
  /** When the delivery arrived; the last resort for an event time. */
  receivedAt: Date;
}

function describe(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0];
  if (!issue) return `${prefix} is invalid`;
  const path = [prefix, ...issue.path.map(String)].join('.');
  return `${path}: ${issue.message}`.slice(0, 200);
}

function toIso(value: string): string {
  return new Date(value).toISOString();
}

/** Normalise a Neynar user object for the identity bridge. */
export function toUserUpdate(user: NeynarUser, at: string): UserUpdate {
  const verified = user.verified_addresses;
  return {
    fid: user.fid,
    username: user.username ?? null,
    displayName: user.display_name ?? null,
    pfpUrl: user.pfp_url ?? null,
    custodyAddress: user.custody_address ?? null,
    verifiedEthAddresses: verified ? [...new Set(verified.eth_addresses)] : null,
    primaryEthAddress: verified?.primary?.eth_address ?? null,
    score: user.score ?? user.experimental?.neynar_user_score ?? null,
    at,
  };
}

/** Parse one Neynar webhook payload (already JSON-decoded) into the normalised event the database applies.
 * Unknown event types are accepted as `ignored`. Pure: no clock, no I/O.
 * Payload shapes: https://docs.neynar.com/docs/how-to-use-neynar-webhooks */
export function parseNeynarEvent(payload: unknown, options: ParseOptions): ParseResult {
  const envelope = neynarEnvelopeSchema.safeParse(payload);
  if (!envelope.success) return { ok: false, reason: describe(envelope.error, 'body') };
  const { type, data, created_at } = envelope.data;
  const envelopeAt =
    envelope.data.event_timestamp != null
      ? toIso(envelope.data.event_timestamp)
      : created_at != null
        ? new Date(created_at * 1000).toISOString()
        : null;
  const fallbackAt = envelopeAt ?? options.receivedAt.toISOString();

  const parse = <S extends z.ZodType>(schema: S): { ok: true; value: z.infer<S> } | { ok: false; reason: string } => {
    const r = schema.safeParse(data);
    return r.success ? { ok: true, value: r.data } : { ok: false, reason: describe(r.error, 'data') };
  };

  switch (type) {
    case 'reaction.created':
    case 'reaction.deleted': {
      const r = parse(neynarReactionSchema);
      if (!r.ok) return r;
      const d = r.value;
      const eventTime = d.event_timestamp ?? d.timestamp;
      const at = eventTime != null ? toIso(eventTime) : envelopeAt;
      if (at === null) return { ok: false, reason: 'data.event_timestamp: required to order reactions' };
      return {
        ok: true,
        type,
        event: {
          kind: 'reaction',
          castHash: d.cast.hash,
          reactorFid: d.user.fid,
          reactionType: d.reaction_type === 1 ? 'like' : 'recast',
          active: type === 'reaction.created',
          at,
          users: [toUserUpdate(d.user, at)],
        },
      };
    }
    case 'cast.created': {
      const r = parse(neynarCastSchema);
      if (!r.ok) return r;
      const cast = r.value;
      const at = toIso(cast.timestamp);
      return {
        ok: true,
        type,
        event: {
          kind: 'cast',
          hash: cast.hash,
          authorFid: cast.author.fid,
          parentHash: cast.parent_hash ?? null,
          at,
          performance: classifyPerformance(cast, options.performanceChannelUrl),
          users: [toUserUpdate(cast.author, at)],
        },
      };
    }
    case 'cast.deleted': {
      const r = parse(neynarDeletedCastSchema);
      if (!r.ok) return r;
      const cast = r.value;
      const at = fallbackAt;
      return {
        ok: true,
        type,
        event: {
          kind: 'cast_deleted',
          hash: cast.hash,
          parentHash: cast.parent_hash ?? null,
          at,
          users: cast.author ? [toUserUpdate(cast.author, cast.timestamp ? toIso(cast.timestamp) : at)] : [],
        },
      };
    }
    case 'user.created':
    case 'user.updated': {
      const r = parse(neynarUserSchema);
      if (!r.ok) return r;
      return { ok: true, type, event: { kind: 'user', at: fallbackAt, users: [toUserUpdate(r.value, fallbackAt)] } };
    }
    case 'follow.created':
    case 'follow.deleted': {
      const r = parse(neynarFollowSchema);
      if (!r.ok) return r;
      const eventTime = r.value.event_timestamp ?? r.value.timestamp;
      const at = eventTime != null ? toIso(eventTime) : fallbackAt;
      const users = [toUserUpdate(r.value.user, at), toUserUpdate(r.value.target_user, at)];
      return { ok: true, type, event: { kind: 'user', at, users } };
    }
    case 'trade.created': {
      const r = parse(neynarTradeSchema);
      if (!r.ok) return r;
      const trader = r.value.trader;
      if (!trader) return { ok: true, type, event: { kind: 'ignored', type } };
      return { ok: true, type, event: { kind: 'user', at: fallbackAt, users: [toUserUpdate(trader, fallbackAt)] } };
    }
    default:
      return { ok: true, type, event: { kind: 'ignored', type } };
  }
}
