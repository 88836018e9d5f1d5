import { z } from 'zod';
import {
  createHubHttp,
  type HubCheckOptions,
  hubUnavailable,
  MAX_HUB_PAGES,
  MAX_NEGATIVE_SECONDS,
} from './createHubHttp.ts';
import type { SignerCheck } from './verifyFrameAction.ts';

/** Options of the signer check; `cacheSeconds` applies to registered keys, unknown ones are asked again within
 * MAX_NEGATIVE_SECONDS. */
export type HubSignerCheckOptions = HubCheckOptions;

/** Positive and negative answers are cached apart, each bounded: anyone can mint keys that claim any fid, and a
 * flood of such (negative) answers must not evict the registered signers real users are verified with. */
const MAX_CACHE_ENTRIES = 10_000;
const MAX_NEGATIVE_ENTRIES = 10_000;
const KEY_TYPE_ED25519 = 1;
const SIGNER_ADD = 'SIGNER_EVENT_TYPE_ADD';

const signerEventSchema = z.object({
  type: z.string().optional(),
  fid: z.number().optional(),
  signerEventBody: z
    .object({ key: z.string(), keyType: z.number(), eventType: z.union([z.string(), z.number()]) })
    .optional(),
});
type SignerEvent = z.infer<typeof signerEventSchema>;
/** Hubble (`signer` given): one OnChainEvent. Snapchain ignores `signer` and answers `{ events, nextPageToken }`. */
const responseSchema = z.union([
  z.object({ events: z.array(signerEventSchema), nextPageToken: z.string().nullish() }),
  signerEventSchema.extend({ signerEventBody: signerEventSchema.shape.signerEventBody.unwrap() }),
]);
/** Hubble's error body: a HubError serialised as a gRPC ServiceError, sent with status 400. */
const hubErrorSchema = z.object({
  errCode: z.string().optional(),
  metadata: z.object({ errcode: z.array(z.string()).optional() }).optional(),
});

/** A key as the hub prints it: `0x` hex (Hubble and Snapchain), or base64 (protobuf JSON) as a fallback. */
function normalizeKey(key: string): string | null {
  if (/^0x[0-9a-fA-F]{64}$/.test(key)) return key.toLowerCase();
  if (!/^[A-Za-z0-9+/]{43}=$/.test(key)) return null;
  const binary = atob(key);
  let hex = '0x';
  for (let i = 0; i < binary.length; i++) hex += binary.charCodeAt(i).toString(16).padStart(2, '0');
  return hex.length === 66 ? hex : null;
}

function isActiveSigner(event: SignerEvent, fid: number, signer: string): boolean {
  const body = event.signerEventBody;
  return (
    body !== undefined &&
    (event.type === undefined || event.type === 'EVENT_TYPE_SIGNER') &&
    (event.fid === undefined || event.fid === fid) &&
    body.keyType === KEY_TYPE_ED25519 &&
    (body.eventType === SIGNER_ADD || body.eventType === 1) &&
    normalizeKey(body.key) === signer
  );
}

interface CacheEntry {
  valid: boolean;
  expiresAt: number;
}

/** A SignerCheck backed by a hub's HTTP API: `GET /v1/onChainSignersByFid?fid=&signer=0x…` (Hubble answers the one
 * OnChainEvent or a `not_found` error; Snapchain answers the fid's active signers, which we search). Valid only for an
 * Ed25519 (keyType 1) ADD event of exactly that key. Hub down, timeout, 429, 5xx, auth failures or an unreadable
 * answer throw UnavailableError (503, retry in 5 s) and are not cached. Answers are cached per (fid, key), positive
 * and negative apart and each bounded; concurrent lookups of one key share a request, and at most
 * `maxConcurrentLookups` distinct lookups run at once (more answer 503), so minted keys cannot turn into unbounded
 * hub traffic on our API key. https://docs.farcaster.xyz/reference/hubble/httpapi/onchain */
export function createHubSignerCheck(options: HubSignerCheckOptions): SignerCheck {
  const http = createHubHttp(options);
  const now = options.now ?? Date.now;
  const positiveMs = Math.max(0, options.cacheSeconds) * 1000;
  const negativeMs = Math.min(Math.max(0, options.cacheSeconds), MAX_NEGATIVE_SECONDS) * 1000;
  const maxLookups = options.maxConcurrentLookups ?? 32;
  const positives = new Map<string, CacheEntry>();
  const negatives = new Map<string, CacheEntry>();
  const inFlight = new Map<string, Promise<boolean>>();

  /** One lookup, all pages included, under the hub client's deadline. */
  function lookup(fid: number, signer: string): Promise<boolean> {
    return http.withDeadline((signal) => lookupPages(fid, signer, signal));
  }

  async function lookupPages(fid: number, signer: string, signal: AbortSignal): Promise<boolean> {
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_HUB_PAGES; page++) {
      const query = new URLSearchParams({ fid: String(fid), signer });
      if (pageToken !== undefined) query.set('pageToken', pageToken);
      const { status, body } = await http.getJson('/v1/onChainSignersByFid', query, signal);
      if (status === 200) {
        const parsed = responseSchema.safeParse(body);
        if (!parsed.success) throw hubUnavailable(new Error('hub answered an unreadable signer event'));
        if (!('events' in parsed.data)) return isActiveSigner(parsed.data, fid, signer);
        if (parsed.data.events.some((event) => isActiveSigner(event, fid, signer))) return true;
        if (!parsed.data.nextPageToken) return false;
        pageToken = parsed.data.nextPageToken;
        continue;
      }
      // 404 means "no such signer" only when an API said so; a bare 404 page means a wrong hub URL.
      if (status === 404 && body !== undefined) return false;
      const hubError = hubErrorSchema.safeParse(body);
      if (
        status === 400 &&
        hubError.success &&
        (hubError.data.errCode === 'not_found' || hubError.data.metadata?.errcode?.includes('not_found') === true)
      ) {
        return false;
      }
      throw hubUnavailable(new Error(`hub answered ${status}`));
    }
    return false;
  }

  function remember(key: string, valid: boolean): void {
    const ttl = valid ? positiveMs : negativeMs;
    if (ttl <= 0) return;
    const cache = valid ? positives : negatives;
    (valid ? negatives : positives).delete(key);
    cache.delete(key);
    cache.set(key, { valid, expiresAt: now() + ttl });
    const limit = valid ? MAX_CACHE_ENTRIES : MAX_NEGATIVE_ENTRIES;
    while (cache.size > limit) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
  }

  function cached(key: string): boolean | undefined {
    for (const cache of [positives, negatives]) {
      const entry = cache.get(key);
      if (entry === undefined) continue;
      if (entry.expiresAt > now()) return entry.valid;
      cache.delete(key);
    }
    return undefined;
  }

  return (fid, signerHex) => {
    const signer = signerHex.toLowerCase();
    if (!Number.isSafeInteger(fid) || fid <= 0 || !/^0x[0-9a-f]{64}$/.test(signer)) return Promise.resolve(false);
    const key = `${fid}:${signer}`;
    const known = cached(key);
    if (known !== undefined) return Promise.resolve(known);
    const pending = inFlight.get(key);
    if (pending !== undefined) return pending;
    if (inFlight.size >= maxLookups) {
      return Promise.reject(hubUnavailable(new Error(`${inFlight.size} hub lookups already in flight`)));
    }
    const request = lookup(fid, signer)
      .then((valid) => {
        remember(key, valid);
        return valid;
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, request);
    return request;
  };
}
