import type { z } from 'zod';
import { BadRequestError } from '../errors.ts';
import { readLimitedJson } from '../http/readLimitedBody.ts';

/** Read a trade request's JSON body (at most `limitBytes`, else 413) and parse it with `schema`; a body that does not
 * fit throws BadRequestError naming the first wrong field (`castHash: must be ...`, or `body: ...`), at most 200
 * characters. */
export async function readTradeBody<T extends z.ZodType>(
  request: Request,
  limitBytes: number,
  schema: T,
): Promise<z.output<T>> {
  const parsed = schema.safeParse(await readLimitedJson(request, limitBytes));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') || 'body';
    throw new BadRequestError(`${field}: ${issue?.message ?? 'is invalid'}`.slice(0, 200));
  }
  return parsed.data;
}
