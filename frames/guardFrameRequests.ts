import type { HonoRequest, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { BadRequestError } from '../src/errors.ts';
import { readLimitedJson } from '../src/http/readLimitedBody.ts';
import { FrameNotFoundError } from './errors.ts';

/** Frame POST bodies are a few hundred bytes; anything over 64 KiB is refused before parsing. */
export const FRAME_BODY_LIMIT = 64 * 1024;

/** A frames v1 POST body as Frog is allowed to see it: only the signed message, nothing unsigned. */
export interface FramePostBody {
  trustedData: { messageBytes: string };
  untrustedData: Record<string, never>;
}

/** The part of a frames v1 POST we read (spec: docs/farcaster.md 7.3); `untrustedData` is ignored entirely. */
export const framePostSchema = z.object({
  trustedData: z.object({
    messageBytes: z
      .string()
      .max(2 * FRAME_BODY_LIMIT)
      .regex(/^(?:[0-9a-fA-F]{2})+$/, 'must be the hex of the signed message'),
  }),
});

/** Frog answers `<frame path>/image?image=<JSX>` by rendering whatever the query describes; we draw our own images,
 * so those paths are closed. */
const FROG_IMAGE_PATH = /\/image$/;
/** No frame path is longer (`/frames/performance/<hash>/trade/<tx>/image/<version>.png` is ~165). */
const MAX_PATH_LENGTH = 200;

function emptyQuery(key?: string): string | undefined | Record<string, string> {
  return key === undefined ? {} : undefined;
}

/** Middleware in front of Frog for `/frames/*`: closes Frog's query-driven image routes, hides query strings from
 * Frog (its `initialPath`/`previousState` parsing throws on malformed input and would put attacker text in meta
 * tags) and its HTML preview mode (`Accept: text/html` exactly), and for POSTs enforces the body limit (413), JSON (400) and a hex `trustedData.messageBytes` (400), so Frog
 * always verifies. Frog then reads a body holding the signed message only; `bodies` remembers that exact object per
 * request, because the hub verifier keys its result by the `trustedData` object Frog passes it. Other methods: 405. */
export function guardFrameRequests(bodies: WeakMap<HonoRequest, FramePostBody>): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.path.length > MAX_PATH_LENGTH || FROG_IMAGE_PATH.test(c.req.path)) throw new FrameNotFoundError();
    c.req.query = emptyQuery as HonoRequest['query'];
    // Frog answers exactly `Accept: text/html` with a development preview page that has no frame meta tags (and
    // loads third-party scripts); a scraper sending that header must still get the frame.
    const header = c.req.header.bind(c.req);
    c.req.header = ((name?: string) =>
      name?.toLowerCase() === 'accept' && header(name)?.trim() === 'text/html'
        ? 'text/html, */*'
        : header(name as string)) as HonoRequest['header'];
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    if (method !== 'POST') {
      c.header('Allow', 'GET, HEAD, POST');
      return c.json({ message: 'Method not allowed' }, 405);
    }
    const json = await readLimitedJson(c.req.raw, FRAME_BODY_LIMIT);
    const parsed = framePostSchema.safeParse(json);
    if (!parsed.success) throw new BadRequestError('trustedData.messageBytes must be the signed message in hex');
    const body: FramePostBody = {
      trustedData: { messageBytes: parsed.data.trustedData.messageBytes },
      untrustedData: {},
    };
    bodies.set(c.req, body);
    c.req.json = (() => Promise.resolve(body)) as HonoRequest['json'];
    return next();
  };
}
