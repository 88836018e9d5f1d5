import { Hono } from 'hono';
import { databaseCall } from '../http/databaseCall.ts';
import type { MiniAppStore } from './createMiniAppStore.ts';
import type { Authenticate } from './createQuickAuthenticator.ts';

/** `GET /api/me`: the signed-in user (Quick Auth bearer token) with their profile from the identity bridge, verified
 * addresses and notification state. 401 without a valid token; never cached by anyone in between. */
export function meRoute(store: Pick<MiniAppStore, 'getMe'>, authenticate: Authenticate): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const { fid } = await authenticate(c.req.raw);
    const me = await databaseCall(store.getMe(fid));
    c.header('Cache-Control', 'private, no-store');
    return c.json(me);
  });
  return app;
}
