/** Normalised engagement events: what the SQL functions in supabase/migrations apply. Produced from Neynar
 * payloads by parseNeynarEvent; stored in the inbox beside the raw body. */

export interface UserUpdate {
  fid: number;
  username: string | null;
  displayName: string | null;
  pfpUrl: string | null;
  custodyAddress: string | null;
  /** null when the payload did not carry the verification list (dehydrated user objects). */
  verifiedEthAddresses: string[] | null;
  primaryEthAddress: string | null;
  score: number | null;
  at: string;
}

export interface PerformanceDraft {
  title: string;
  body: string;
  audioUrl: string | null;
  audioMimeType: string | null;
  channelUrl: string | null;
  embeds: { url: string; contentType: string | null }[];
}

export type EngagementEvent =
  | {
      kind: 'reaction';
      castHash: string;
      reactorFid: number;
      reactionType: 'like' | 'recast';
      active: boolean;
      at: string;
      users: UserUpdate[];
    }
  | {
      kind: 'cast';
      hash: string;
      authorFid: number;
      parentHash: string | null;
      at: string;
      performance: PerformanceDraft | null;
      users: UserUpdate[];
    }
  | { kind: 'cast_deleted'; hash: string; parentHash: string | null; at: string; users: UserUpdate[] }
  | { kind: 'user'; at: string; users: UserUpdate[] }
  | { kind: 'ignored'; type: string };
