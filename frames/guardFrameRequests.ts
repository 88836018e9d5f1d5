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

/** The part of a frames v1 POST we read (`trustedData.messageBytes`, the signed message; spec:
 * https://github.com/farcasterxyz/docs/blob/6dbdc1d/docs/reference/frames/spec.md); `untrustedData` is ignored entirely. */
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

/** The request headers Frog and our frame handlers may read. Frog answers others in ways a public server must not:
 * `x-frog-dev` makes it print its whole handler context, bindings included, into a `frog:context` meta tag, and
 * `x-forwarded-host`/`-proto` let a client choose the URL Frog compares and redirects to. */
const VISIBLE_HEADERS = new Set(['accept', 'user-agent', 'if-none-match', 'content-type', 'content-length']);

/** What a frame page's HTML depends on besides its URL: Frog redirects browsers (by `User-Agent`) and answers
 * `Accept: text/html` differently, so a shared cache must key on both. */
const FRAME_PAGE_VARY = 'Accept, User-Agent';

/** `req.header` as Frog sees it: only VISIBLE_HEADERS, and `Accept: text/html` (exactly: Frog's HTML preview page,
 * which has no frame meta tags and loads third-party scripts) widened so a scraper sending it still gets the frame. */
function visibleHeaders(req: HonoRequest): HonoRequest['header'] {
  const header = req.header.bind(req);
  const read = (name: string): string | undefined => {
    const key = name.toLowerCase();
    if (!VISIBLE_HEADERS.has(key)) return undefined;
    const value = header(key);
    return key === 'accept' && value?.trim() === 'text/html' ? 'text/html, */*' : value;
  };
  return ((name?: string) => {
    if (name !== undefined) return read(name);
    const all: Record<string, string> = {};
    for (const key of VISIBLE_HEADERS) {
      const value = read(key);
      if (value !== undefined) all[key] = value;
    }
    return all;
  }) as HonoRequest['header'];
}

/** Middleware in front of Frog for `/frames/*`: closes Frog's query-driven image routes, hides query strings from
 * Frog (its `initialPath`/`previousState` parsing throws on malformed input and would put attacker text in meta
 * tags), hides every request header but VISIBLE_HEADERS and every host binding (Frog serialises `c.env` into its
 * dev-context tag), marks frame pages `Vary: Accept, User-Agent`, and for POSTs enforces the body limit (413), JSON
 * (400) and a hex `trustedData.messageBytes` (400), so Frog always verifies. Frog then reads a body holding the
 * signed message only; `bodies` remembers that exact object per request, because the hub verifier keys its result
 * by the `trustedData` object Frog passes it. Other methods: 405. */
export function guardFrameRequests(bodies: WeakMap<HonoRequest, FramePostBody>): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.path.length > MAX_PATH_LENGTH || FROG_IMAGE_PATH.test(c.req.path)) throw new FrameNotFoundError();
    c.req.query = emptyQuery as HonoRequest['query'];
    c.req.header = visibleHeaders(c.req);
    // Frog copies c.env into its handler context; the frames need nothing from the host, so they see nothing.
    c.env = {};
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') {
      await next();
      if (c.res.headers.get('content-type')?.startsWith('text/html') || c.res.status === 302) {
        c.res.headers.set('Vary', FRAME_PAGE_VARY);
      }
      return;
    }
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
