import { Hono } from 'hono';
import { z } from 'zod';
import { BadRequestError } from '../errors.ts';
import { databaseCall } from '../http/databaseCall.ts';
import { verifyBearerToken } from '../http/verifyBearerToken.ts';
import type { ViralStore } from './createViralStore.ts';
import { jobStatusSchema } from './types.ts';

const limitMessage = 'limit must be an integer from 1 to 200';
const queueQuery = z
  .object({
    status: jobStatusSchema.optional(),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, limitMessage)
      .transform(Number)
      .pipe(z.number().min(1, limitMessage).max(200, limitMessage))
      .default(50),
    cursor: z
      .string()
      .regex(/^[1-9]\d{0,15}$/, 'cursor must be a job id from nextCursor')
      .transform(Number)
      .optional(),
  })
  .strict();

/** `GET /api/admin/viral-queue?status=&limit=&cursor=`: every coin-creation job in any state, newest first, behind
 * `Authorization: Bearer <ADMIN_TOKEN>` (401 without or with a wrong token). Mounted only when ADMIN_TOKEN is set. */
export function viralQueueRoute(store: Pick<ViralStore, 'listViralQueue'>, adminToken: string) {
  const app = new Hono();
  app.get('/', async (c) => {
    if (!(await verifyBearerToken(c.req.header('authorization'), adminToken))) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json({ error: 'missing or invalid admin token' }, 401);
    }
    const parsed = queueQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const message =
        issue?.code === 'unrecognized_keys'
          ? `unknown parameter ${issue.keys.join(', ')}`
          : issue?.path[0] === 'status'
            ? `status must be one of ${jobStatusSchema.options.join(', ')}`
            : (issue?.message ?? 'invalid query');
      throw new BadRequestError(message);
    }
    const { status, limit, cursor } = parsed.data;
    return c.json(await databaseCall(store.listViralQueue(status ?? null, limit, cursor ?? null)));
  });
  return app;
}
