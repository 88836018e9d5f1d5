import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';
import { type JobStatus, type QueueItem, queueItemSchema, type ViralParams, viralParamsSchema } from './types.ts';

const sweepResult = z.object({ checked: z.number(), enqueued: z.number() });
export type SweepResult = z.infer<typeof sweepResult>;
const queuePage = z.object({ items: z.array(queueItemSchema), nextCursor: z.number().nullable() });

/** Viral detection, its parameters and its queue of coin jobs as the admin sees it. */
export interface ViralStore {
  /** Periodic viral detection over every candidate performance. */
  sweepViral(now?: Date): Promise<SweepResult>;
  /** Incremental viral detection for one performance; true when this call created its job. */
  checkViral(castHash: string, now?: Date): Promise<boolean>;
  /** Apply config overrides of the viral parameters (recorded only when they change something). */
  applyViralConfig(threshold: number | null): Promise<ViralParams>;
  /** Change viral parameters; the change is recorded with the actor. */
  setViralParams(patch: Partial<Omit<ViralParams, 'updated_by' | 'updated_at'>>, actor: string): Promise<ViralParams>;
  /** A page of the queue for the admin route, newest first. */
  listViralQueue(
    status: JobStatus | null,
    limit: number,
    cursor: number | null,
  ): Promise<{ items: QueueItem[]; nextCursor: number | null }>;
}

/** The viral store over any Rpc adapter; results are validated so a misbehaving adapter fails loudly. */
export function createViralStore(rpc: Rpc): ViralStore {
  return {
    async sweepViral(now) {
      return sweepResult.parse(await rpc.call('sweep_viral', now ? { p_now: now.toISOString() } : {}));
    },
    async checkViral(castHash, now) {
      return z
        .boolean()
        .parse(await rpc.call('check_viral', { p_cast_hash: castHash, ...(now ? { p_now: now.toISOString() } : {}) }));
    },
    async applyViralConfig(threshold) {
      return viralParamsSchema.parse(await rpc.call('apply_viral_config', { p_threshold: threshold }));
    },
    async setViralParams(patch, actor) {
      return viralParamsSchema.parse(await rpc.call('set_viral_params', { p_patch: patch, p_actor: actor }));
    },
    async listViralQueue(status, limit, cursor) {
      return queuePage.parse(
        await rpc.call('list_viral_queue', { p_status: status, p_limit: limit, p_cursor: cursor }),
      );
    },
  };
}
