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

const appliedSchema = z.object({ applied: z.boolean() }).loose();

/** The mini app's store: the signed-in user's view and the webhook's subscription state. */
export interface MiniAppStore {
  getMe(fid: number): Promise<MiniAppMe>;
  /** Apply a verified webhook event; false when it was older than the state it met (nothing changed). */
  applyEvent(event: MiniAppEventRecord): Promise<boolean>;
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
  };
}
