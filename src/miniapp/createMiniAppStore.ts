import { z } from 'zod';
import type { Rpc } from '../db/rpc.ts';

/** What GET /api/me answers for a verified fid (public.get_miniapp_me). */
export const miniAppMeSchema = z.object({
  fid: z.number().int().positive(),
  user: z
    .object({ username: z.string().nullable(), displayName: z.string().nullable(), pfpUrl: z.string().nullable() })
    .nullable(),
  addresses: z.array(z.string()),
  notifications: z.object({
    enabled: z.boolean(),
    clients: z.array(
      z.object({
        notificationUrl: z.string().nullable(),
        added: z.boolean(),
        notificationsEnabled: z.boolean(),
        updatedAt: z.string(),
      }),
    ),
  }),
});
export type MiniAppMe = z.infer<typeof miniAppMeSchema>;

/** The four mini app webhook events, after legacy names (frame_added, frame_removed) are mapped. */
export type MiniAppEventName = 'miniapp_added' | 'miniapp_removed' | 'notifications_enabled' | 'notifications_disabled';

/** One verified webhook event to apply. */
export interface MiniAppEventRecord {
  fid: number;
  appKey: string;
  event: MiniAppEventName;
  notificationUrl: string | null;
  token: string | null;
  eventAt: Date;
}

/** A leased delivery of one notification to one client token (public.claim_miniapp_deliveries). */
export const claimedDeliverySchema = z.object({
  id: z.number().int(),
  url: z.string(),
  token: z.string(),
  attempts: z.number().int(),
  notificationId: z.string(),
  title: z.string(),
  body: z.string(),
  targetPath: z.string(),
});
export type ClaimedDelivery = z.infer<typeof claimedDeliverySchema>;

/** What the client said about one token of a sent batch. */
export type DeliveryOutcome =
  | { id: number; outcome: 'sent' | 'invalid' }
  | { id: number; outcome: 'rate_limited'; retryAfterSeconds?: number }
  | { id: number; outcome: 'retry' | 'failed'; error: string };

const appliedSchema = z.object({ applied: z.boolean() }).loose();

/** The mini app's store: the signed-in user's view and the webhook's subscription state. */
export interface MiniAppStore {
  getMe(fid: number): Promise<MiniAppMe>;
  /** Apply a verified webhook event; false when it was older than the state it met (nothing changed). */
  applyEvent(event: MiniAppEventRecord): Promise<boolean>;
  /** Lease due deliveries (cancelling those whose token was disabled, expiring those first attempted longer than
   * `dedupeSeconds` ago). */
  claimDeliveries(
    worker: string,
    limit: number,
    leaseSeconds: number,
    dedupeSeconds: number,
  ): Promise<ClaimedDelivery[]>;
  /** The heartbeat; false when one of the deliveries is no longer the worker's. */
  renewDeliveryLease(worker: string, ids: readonly number[], leaseSeconds: number): Promise<boolean>;
  /** Record per-token outcomes; answers how many deliveries changed (those the worker still held). */
  recordDeliveries(worker: string, outcomes: readonly DeliveryOutcome[]): Promise<number>;
}

/** The mini app store over any Rpc adapter; answers are validated so a misbehaving adapter fails loudly. */
export function createMiniAppStore(rpc: Rpc): MiniAppStore {
  return {
    async getMe(fid) {
      return miniAppMeSchema.parse(await rpc.call('get_miniapp_me', { p_fid: fid }));
    },
    async applyEvent(e) {
      const result = appliedSchema.parse(
        await rpc.call('apply_miniapp_event', {
          p_fid: e.fid,
          p_app_key: e.appKey,
          p_event: e.event,
          p_url: e.notificationUrl,
          p_token: e.token,
          p_event_at: e.eventAt.toISOString(),
        }),
      );
      return result.applied;
    },
    async claimDeliveries(worker, limit, leaseSeconds, dedupeSeconds) {
      return z.array(claimedDeliverySchema).parse(
        await rpc.call('claim_miniapp_deliveries', {
          p_worker: worker,
          p_limit: limit,
          p_lease_seconds: leaseSeconds,
          p_dedupe_seconds: dedupeSeconds,
        }),
      );
    },
    async renewDeliveryLease(worker, ids, leaseSeconds) {
      return z
        .boolean()
        .parse(
          await rpc.call('renew_miniapp_delivery_lease', { p_worker: worker, p_ids: ids, p_seconds: leaseSeconds }),
        );
    },
    async recordDeliveries(worker, outcomes) {
      return z.number().parse(await rpc.call('record_miniapp_deliveries', { p_worker: worker, p_results: outcomes }));
    },
  };
}
