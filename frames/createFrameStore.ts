import { z } from 'zod';
import type { Rpc } from '../src/db/rpc.ts';
import {
  type FrameActionOutcome,
  type FrameActionRecord,
  type FrameViewRecord,
  frameActionOutcomeSchema,
} from '../src/farcaster/frameActionRecord.ts';

/** What the frames record: signed actions once each (the replay registry), and unsigned views. */
export interface FrameStore {
  /** Accept a verified frame action once (replay registry, analytics, first-time viewer -> views metric). */
  recordFrameAction(action: FrameActionRecord): Promise<FrameActionOutcome>;
  /** Log unsigned frame/image GETs (analytics only). */
  recordFrameViews(views: FrameViewRecord[]): Promise<number>;
  /** Drop replay-registry rows received before `before`. */
  pruneFrameActions(before: Date): Promise<number>;
}

/** The frame store over any Rpc adapter; results are validated so a misbehaving adapter fails loudly. */
export function createFrameStore(rpc: Rpc): FrameStore {
  return {
    async recordFrameAction(action) {
      return frameActionOutcomeSchema.parse(
        await rpc.call('record_frame_action', {
          p_action: {
            messageHash: action.messageHash,
            fid: action.fid,
            castHash: action.castHash,
            action: action.action,
            buttonIndex: action.buttonIndex,
            signedAt: action.signedAt.toISOString(),
            data: action.data ?? {},
          },
        }),
      );
    },
    async recordFrameViews(views) {
      if (views.length === 0) return 0;
      return z.number().parse(
        await rpc.call('record_frame_views', {
          p_views: views.map((v) => ({
            castHash: v.castHash,
            kind: v.kind,
            at: v.at.toISOString(),
            count: v.count ?? 1,
          })),
        }),
      );
    },
    async pruneFrameActions(before) {
      return z.number().parse(await rpc.call('prune_frame_actions', { p_before: before.toISOString() }));
    },
  };
}
