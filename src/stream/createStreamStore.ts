import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';

const subjects = z.object({
  coins: z.array(z.looseObject({ coinAddress: z.string(), castHash: z.string() })),
  metrics: z.array(z.looseObject({ castHash: z.string() })),
  trades: z.array(z.looseObject({ txHash: z.string() })),
});

/** The current public state of stream subjects: each item is an event's `data` as is (see stream_subjects). */
export type StreamSubjects = z.infer<typeof subjects>;

export interface StreamStore {
  /** Coins by address, visible performances by cast hash, trades on `chainId` by tx hash; unknown ones left out. */
  readSubjects(request: {
    chainId: number;
    coins: string[];
    casts: string[];
    trades: string[];
  }): Promise<StreamSubjects>;
}

/** The stream's store over one Rpc adapter (public.stream_subjects, *_stream_notifications.sql). */
export function createStreamStore(rpc: Rpc): StreamStore {
  return {
    async readSubjects({ chainId, coins, casts, trades }) {
      const result = await rpc.call('stream_subjects', {
        p_chain_id: chainId,
        p_subjects: { coins, casts, trades },
      });
      return subjects.parse(result);
    },
  };
}
