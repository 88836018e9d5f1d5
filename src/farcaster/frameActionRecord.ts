import { z } from 'zod';

/** One verified frame action as stored in the replay registry (public.record_frame_action). */
export interface FrameActionRecord {
  messageHash: string;
  fid: number;
  castHash: string | null;
  /** What the action did: 'refresh', 'buy_tx', 'bought', ... (lowercase, at most 32 characters). */
  action: string;
  buttonIndex: number;
  signedAt: Date;
  data?: Record<string, unknown>;
}

export const frameActionOutcomeSchema = z.object({
  status: z.enum(['recorded', 'replay']),
  newViewer: z.boolean(),
  viralEnqueued: z.boolean(),
});
export type FrameActionOutcome = z.infer<typeof frameActionOutcomeSchema>;

/** An unsigned frame, image or browser GET, logged for analytics only. */
export interface FrameViewRecord {
  castHash: string;
  kind: 'frame' | 'image' | 'browser';
  /** The first view of the batch. */
  at: Date;
  /** Views of this cast and kind the record stands for (default 1). */
  count?: number;
}
