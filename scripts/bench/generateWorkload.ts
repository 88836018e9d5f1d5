import { castHash, performanceCast, reaction, signed, user } from '../neynarPayloads.ts';
import { createRandom } from './createRandom.ts';
import type { ReactionFact } from './expectedCounts.ts';

/** How a reaction-phase delivery was made (the mix the benchmark reports). */
export type ReactionKind = 'like' | 'recast' | 'removal' | 'duplicate' | 'out-of-order';

/** A performance cast.created delivery before signing. */
export interface CastItem {
  kind: 'cast';
  payload: unknown;
}

/** One reaction delivery before signing; a duplicate names the earlier reaction delivery whose bytes it repeats. */
export type ReactionItem =
  | { kind: Exclude<ReactionKind, 'duplicate'>; payload: unknown; fact: ReactionFact }
  | { kind: 'duplicate'; of: number };

/** What to generate: cast.created for `casts` performances, then `reactions` reaction deliveries from `fids` users. */
export interface WorkloadOptions {
  seed: number;
  casts: number;
  reactions: number;
  fids: number;
  /** Hex digit that starts every cast hash (default 'b'), so a warm-up workload touches other casts. */
  castPrefix?: string;
  /** Lowest reactor fid (default 100000), so a warm-up workload uses other users. */
  firstFid?: number;
}

/** A generated workload: the performance casts (sent first) and the reaction deliveries. */
export interface Workload {
  castHashes: string[];
  casts: CastItem[];
  reactions: ReactionItem[];
}

/** A signed delivery: exact body bytes and headers, as Neynar would POST them. */
export interface Delivery {
  body: Buffer;
  headers: Record<string, string>;
}

const EPOCH = Date.UTC(2026, 0, 1);

interface KeyState {
  castHash: string;
  type: 'like' | 'recast';
  fid: number;
  latestMs: number;
  times: Set<number>;
  everCreated: boolean;
}

/** Generate the workload deterministically from the seed: ~60% likes, ~20% recasts, ~10% removals of an earlier
 * reaction, ~5% byte-identical redeliveries and ~5% out-of-order events (older than one already sent for the same
 * (cast, type, reactor)). Event times advance a few ms per delivery. Pure. */
export function generateWorkload(options: WorkloadOptions): Workload {
  const random = createRandom(options.seed);
  const firstFid = options.firstFid ?? 100_000;
  const castHashes = Array.from({ length: options.casts }, (_, i) => castHash(i + 1, options.castPrefix ?? 'b'));
  const casts: CastItem[] = castHashes.map((hash, i) => ({
    kind: 'cast',
    payload: performanceCast(hash, user(firstFid - 1 - i), EPOCH + i),
  }));

  const keys = new Map<string, KeyState>();
  const keyList: KeyState[] = [];
  const created: KeyState[] = [];
  const reactions: ReactionItem[] = [];
  let clock = EPOCH + options.casts + 1000;

  const emit = (kind: Exclude<ReactionKind, 'duplicate'>, state: KeyState, active: boolean, atMs: number) => {
    state.times.add(atMs);
    state.latestMs = Math.max(state.latestMs, atMs);
    if (active && !state.everCreated) {
      state.everCreated = true;
      created.push(state);
    }
    reactions.push({
      kind,
      payload: reaction({
        kind: active ? 'created' : 'deleted',
        type: state.type === 'like' ? 1 : 2,
        castHash: state.castHash,
        reactor: user(state.fid),
        at: atMs,
      }),
      fact: { castHash: state.castHash, type: state.type, fid: state.fid, active, atMs },
    });
  };
  const keyFor = (type: 'like' | 'recast'): KeyState => {
    const hash = castHashes[random.int(castHashes.length)] ?? '';
    const fid = firstFid + random.int(options.fids);
    const id = `${hash}/${type}/${fid}`;
    let state = keys.get(id);
    if (state === undefined) {
      state = { castHash: hash, type, fid, latestMs: 0, times: new Set(), everCreated: false };
      keys.set(id, state);
      keyList.push(state);
    }
    return state;
  };

  for (let step = 0; step < options.reactions; step++) {
    clock += 1 + random.int(10);
    const roll = random.next();
    if (roll < 0.6 || keyList.length === 0) {
      emit('like', keyFor('like'), true, clock);
    } else if (roll < 0.8) {
      emit('recast', keyFor('recast'), true, clock);
    } else if (roll < 0.9) {
      const state = created[random.int(created.length)];
      if (state) emit('removal', state, false, clock);
      else emit('like', keyFor('like'), true, clock);
    } else if (roll < 0.95) {
      const picked = random.int(reactions.length);
      const item = reactions[picked];
      reactions.push({ kind: 'duplicate', of: item?.kind === 'duplicate' ? item.of : picked });
    } else {
      const state = keyList[random.int(keyList.length)];
      if (state === undefined) continue;
      // Strictly older than the newest event already sent for this key, and not a time already used for it.
      let atMs = state.latestMs - 1 - random.int(5000);
      while (state.times.has(atMs)) atMs--;
      emit('out-of-order', state, random.next() < 0.5, atMs);
    }
  }
  return { castHashes, casts, reactions };
}

/** The reaction facts of the first `count` reaction deliveries (a run cut short by its time limit sends a prefix). */
export function reactionFacts(workload: Workload, count: number): ReactionFact[] {
  return workload.reactions.slice(0, count).flatMap((item) => (item.kind === 'duplicate' ? [] : [item.fact]));
}

/** Serialise and sign every delivery (before any timing); a duplicate reuses the exact bytes it repeats. */
export async function signWorkload(
  workload: Workload,
  secret: string,
): Promise<{ casts: Delivery[]; reactions: Delivery[] }> {
  const sign = async (payload: unknown): Promise<Delivery> => {
    const s = await signed(secret, payload);
    const body = Buffer.from(s.body, 'utf8');
    return { body, headers: { ...s.headers, 'content-length': String(body.length) } };
  };
  const casts: Delivery[] = [];
  for (const item of workload.casts) casts.push(await sign(item.payload));
  const reactions: Delivery[] = [];
  for (const item of workload.reactions) {
    if (item.kind === 'duplicate') {
      const original = reactions[item.of];
      if (original === undefined) throw new Error(`duplicate of unknown delivery ${item.of}`);
      reactions.push(original);
    } else {
      reactions.push(await sign(item.payload));
    }
  }
  return { casts, reactions };
}
