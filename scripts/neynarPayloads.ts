/** Builders of Neynar webhook payloads in their real wire shape (docs: how-to-use-neynar-webhooks; types:
 * @neynar/nodejs-sdk build/types/webhooks.d.ts), plus signing. Shared by the sample sender (`npm run send-sample`), the
 * benchmarks and the tests; it lives under scripts/ so that no user command imports test code. */
import { signNeynarBody } from '../src/webhooks/verifySignature.ts';

export const PERFORMANCE_CHANNEL = 'https://farcaster.xyz/~/channel/gigavibe';

/** A deterministic cast hash from a number (0x + 40 hex digits). */
export function castHash(n: number, prefix = 'c'): string {
  return `0x${prefix}${n.toString(16).padStart(39, '0')}`.slice(0, 42);
}

export function address(n: number): string {
  return `0x${n.toString(16).padStart(40, '0')}`;
}

export interface UserShape {
  fid: number;
  username?: string;
  display_name?: string;
  pfp_url?: string;
  custody_address?: string;
  verified_addresses?: { eth_addresses: string[]; sol_addresses: string[]; primary: { eth_address: string | null } };
  score?: number;
}

export function user(fid: number, extra: Partial<UserShape> = {}): UserShape {
  return {
    fid,
    username: `user${fid}`,
    display_name: `User ${fid}`,
    pfp_url: `https://example.com/pfp/${fid}.png`,
    custody_address: address(0xc000000 + fid),
    ...extra,
  };
}

const iso = (t: Date | string | number) => new Date(t).toISOString();

export function castCreated(options: {
  hash: string;
  author: UserShape;
  text?: string;
  at?: Date | string | number;
  parentHash?: string | null;
  parentUrl?: string | null;
  rootParentUrl?: string | null;
  embeds?: unknown[];
}) {
  const at = iso(options.at ?? Date.now());
  return {
    created_at: Math.floor(new Date(at).getTime() / 1000),
    type: 'cast.created',
    data: {
      object: 'cast',
      hash: options.hash,
      thread_hash: options.hash,
      parent_hash: options.parentHash ?? null,
      parent_url: options.parentUrl ?? null,
      root_parent_url: options.rootParentUrl ?? options.parentUrl ?? null,
      parent_author: { fid: null },
      author: options.author,
      text: options.text ?? 'A performance',
      timestamp: at,
      embeds: options.embeds ?? [],
      reactions: { likes_count: 0, recasts_count: 0, likes: [], recasts: [] },
      replies: { count: 0 },
      mentioned_profiles: [],
    },
  };
}

/** A performance cast: in the performance channel with an audio embed. */
export function performanceCast(hash: string, author: UserShape, at?: Date | string | number) {
  return castCreated({
    hash,
    author,
    text: `Live take ${hash.slice(2, 8)}\nrecorded tonight`,
    parentUrl: PERFORMANCE_CHANNEL,
    embeds: [{ url: `https://cdn.example.com/audio/${hash}.mp3`, metadata: { content_type: 'audio/mpeg' } }],
    ...(at === undefined ? {} : { at }),
  });
}

export function reaction(options: {
  kind: 'created' | 'deleted';
  type: 1 | 2;
  castHash: string;
  reactor: UserShape;
  at: Date | string | number;
}) {
  const at = iso(options.at);
  return {
    created_at: Math.floor(new Date(at).getTime() / 1000),
    type: `reaction.${options.kind}`,
    data: {
      object: 'reaction',
      event_timestamp: at,
      timestamp: at,
      reaction_type: options.type,
      user: options.reactor,
      cast: { object: 'cast_dehydrated', hash: options.castHash, author: { object: 'user_dehydrated', fid: 1 } },
    },
  };
}

export function castDeleted(hash: string, options: { parentHash?: string | null; at?: Date | string | number } = {}) {
  const at = iso(options.at ?? Date.now());
  return {
    created_at: Math.floor(new Date(at).getTime() / 1000),
    type: 'cast.deleted',
    data: { object: 'cast', hash, parent_hash: options.parentHash ?? null, timestamp: at },
  };
}

export function userUpdated(u: UserShape, at: Date | string | number = Date.now()) {
  return {
    created_at: Math.floor(new Date(at).getTime() / 1000),
    event_timestamp: iso(at),
    type: 'user.updated',
    data: u,
  };
}

/** Serialise and sign a payload as Neynar does: body bytes and the X-Neynar-Signature header. */
export async function signed(
  secret: string,
  payload: unknown,
): Promise<{ body: string; headers: Record<string, string> }> {
  const body = JSON.stringify(payload);
  return {
    body,
    headers: { 'content-type': 'application/json', 'x-neynar-signature': await signNeynarBody(secret, body) },
  };
}
