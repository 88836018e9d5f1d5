/** One reaction event as the server will judge it: who reacted to which cast, how, whether it adds or removes the
 * reaction, and its event time. */
export interface ReactionFact {
  castHash: string;
  type: 'like' | 'recast';
  fid: number;
  active: boolean;
  atMs: number;
}

/** Final likes and recasts of one cast. */
export interface CastCounts {
  likes: number;
  recasts: number;
}

/** The counts the reaction CRDT must end with, whatever the delivery order: per (cast, type, reactor) the event with
 * the latest time wins and on a tie the removal wins (Farcaster's reaction rule, as in apply_reaction_event).
 * Replaying a fact is harmless, so duplicates may be passed. Pure. */
export function expectedCounts(facts: Iterable<ReactionFact>): Map<string, CastCounts> {
  const winners = new Map<string, ReactionFact>();
  for (const fact of facts) {
    const key = `${fact.castHash}/${fact.type}/${fact.fid}`;
    const current = winners.get(key);
    if (
      current === undefined ||
      fact.atMs > current.atMs ||
      (fact.atMs === current.atMs && current.active && !fact.active)
    ) {
      winners.set(key, fact);
    }
  }
  const counts = new Map<string, CastCounts>();
  for (const fact of winners.values()) {
    if (!fact.active) continue;
    const c = counts.get(fact.castHash) ?? { likes: 0, recasts: 0 };
    if (fact.type === 'like') c.likes++;
    else c.recasts++;
    counts.set(fact.castHash, c);
  }
  return counts;
}
