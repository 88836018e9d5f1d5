import { z } from 'zod';
import {
  createHubHttp,
  type HubCheckOptions,
  hubUnavailable,
  MAX_HUB_PAGES,
  MAX_NEGATIVE_SECONDS,
} from './createHubHttp.ts';

/** Whether `address` is one of the fid's verified Ethereum addresses. Throws UnavailableError when it cannot tell. */
export type AddressCheck = (fid: number, address: `0x${string}`) => Promise<boolean>;

/** Options of the verification check: a fid's list is reused `cacheSeconds` for an address it lists; an address it
 * does not list is asked again within MAX_NEGATIVE_SECONDS (a verification just added must not stay refused long). */
export type HubVerificationCheckOptions = HubCheckOptions;

const MAX_CACHE_ENTRIES = 10_000;
const VERIFICATION_ADD = 'MESSAGE_TYPE_VERIFICATION_ADD_ETH_ADDRESS';
const VERIFICATION_ADD_NUMBER = 7;

const bodySchema = z.object({
  address: z.string(),
  protocol: z.union([z.string(), z.number()]).optional(),
});
const messageSchema = z.object({
  data: z
    .object({
      type: z.union([z.string(), z.number()]),
      fid: z.number().optional(),
      /** Current hubs; hubs before the Solana protocol field used the older body name. */
      verificationAddAddressBody: bodySchema.optional(),
      verificationAddEthAddressBody: bodySchema.optional(),
    })
    .optional(),
});
const responseSchema = z.object({
  messages: z.array(messageSchema),
  nextPageToken: z.string().nullish(),
});
/** Hubble's error body: a HubError serialised as a gRPC ServiceError, sent with status 400. */
const hubErrorSchema = z.object({
  errCode: z.string().optional(),
  metadata: z.object({ errcode: z.array(z.string()).optional() }).optional(),
});

/** An Ethereum address as a hub prints it: `0x` hex (Hubble's and Snapchain's HTTP APIs), or base64 of the 20 bytes
 * (plain protobuf JSON). Anything else (a Solana base58 address, garbage) is null. */
export function normalizeVerifiedAddress(address: string): `0x${string}` | null {
  if (/^0x[0-9a-fA-F]{40}$/.test(address)) return address.toLowerCase() as `0x${string}`;
  if (!/^[A-Za-z0-9+/]{27}=$/.test(address)) return null;
  const binary = atob(address);
  let hex = '0x';
  for (let i = 0; i < binary.length; i++) hex += binary.charCodeAt(i).toString(16).padStart(2, '0');
  return hex.length === 42 ? (hex as `0x${string}`) : null;
}

/** The Ethereum addresses a page of verification messages proves for `fid`. */
function addressesOf(messages: z.infer<typeof messageSchema>[], fid: number): string[] {
  const found: string[] = [];
  for (const { data } of messages) {
    if (data === undefined || (data.type !== VERIFICATION_ADD && data.type !== VERIFICATION_ADD_NUMBER)) continue;
    if (data.fid !== undefined && data.fid !== fid) continue;
    const body = data.verificationAddAddressBody ?? data.verificationAddEthAddressBody;
    if (body === undefined) continue;
    if (body.protocol !== undefined && body.protocol !== 'PROTOCOL_ETHEREUM' && body.protocol !== 0) continue;
    const address = normalizeVerifiedAddress(body.address);
    if (address !== null) found.push(address);
  }
  return found;
}

interface CacheEntry {
  addresses: ReadonlySet<string>;
  at: number;
}

/** An AddressCheck backed by a hub's HTTP API: `GET /v1/verificationsByFid?fid=` (Hubble answers every verification
 * message of the fid, Snapchain pages them; both print Ethereum addresses as `0x` hex, plain protobuf JSON as base64).
 * Only a `VERIFICATION_ADD_ETH_ADDRESS` message of that fid with the Ethereum protocol counts. Hub down, timeout,
 * 429, 5xx, auth failures or an unreadable answer throw UnavailableError (503, retry in 5 s) and are not cached. A
 * fid's list is cached (bounded): an address on it is accepted for `cacheSeconds`, one missing from it is asked again
 * once the list is 60 s old. Concurrent lookups of one fid share a request, and at most `maxConcurrentLookups` fids
 * are looked up at once (more answer 503). Only fids whose signer was verified reach it, so the cache holds real
 * accounts.
 * https://docs.farcaster.xyz/reference/hubble/httpapi/verification */
export function createHubVerificationCheck(options: HubVerificationCheckOptions): AddressCheck {
  const http = createHubHttp(options);
  const now = options.now ?? Date.now;
  const positiveMs = Math.max(0, options.cacheSeconds) * 1000;
  const negativeMs = Math.min(Math.max(0, options.cacheSeconds), MAX_NEGATIVE_SECONDS) * 1000;
  const maxLookups = options.maxConcurrentLookups ?? 32;
  const cache = new Map<number, CacheEntry>();
  const inFlight = new Map<number, Promise<ReadonlySet<string>>>();

  async function lookupPages(fid: number, signal: AbortSignal): Promise<ReadonlySet<string>> {
    const addresses = new Set<string>();
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_HUB_PAGES; page++) {
      const query = new URLSearchParams({ fid: String(fid) });
      if (pageToken !== undefined) query.set('pageToken', pageToken);
      const { status, body } = await http.getJson('/v1/verificationsByFid', query, signal);
      if (status === 200) {
        const parsed = responseSchema.safeParse(body);
        if (!parsed.success) throw hubUnavailable(new Error('hub answered an unreadable verification list'));
        for (const address of addressesOf(parsed.data.messages, fid)) addresses.add(address);
        if (!parsed.data.nextPageToken) return addresses;
        pageToken = parsed.data.nextPageToken;
        continue;
      }
      // A fid the hub does not know has no verifications; a bare 404 page means a wrong hub URL.
      const hubError = hubErrorSchema.safeParse(body);
      if (
        status === 400 &&
        hubError.success &&
        (hubError.data.errCode === 'not_found' || hubError.data.metadata?.errcode?.includes('not_found') === true)
      ) {
        return addresses;
      }
      throw hubUnavailable(new Error(`hub answered ${status}`));
    }
    return addresses;
  }

  /** One lookup, all pages included, under the hub client's deadline. */
  function lookup(fid: number): Promise<ReadonlySet<string>> {
    return http.withDeadline((signal) => lookupPages(fid, signal));
  }

  function remember(fid: number, addresses: ReadonlySet<string>): void {
    if (positiveMs <= 0 && negativeMs <= 0) return;
    cache.delete(fid);
    cache.set(fid, { addresses, at: now() });
    while (cache.size > MAX_CACHE_ENTRIES) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
  }

  function fetchList(fid: number): Promise<ReadonlySet<string>> {
    const pending = inFlight.get(fid);
    if (pending !== undefined) return pending;
    if (inFlight.size >= maxLookups) {
      return Promise.reject(hubUnavailable(new Error(`${inFlight.size} hub lookups already in flight`)));
    }
    const request = lookup(fid)
      .then((addresses) => {
        remember(fid, addresses);
        return addresses;
      })
      .finally(() => inFlight.delete(fid));
    inFlight.set(fid, request);
    return request;
  }

  return async (fid, addressHex) => {
    const address = addressHex.toLowerCase();
    if (!Number.isSafeInteger(fid) || fid <= 0 || !/^0x[0-9a-f]{40}$/.test(address)) return false;
    const cached = cache.get(fid);
    if (cached !== undefined) {
      const age = now() - cached.at;
      if (cached.addresses.has(address) && age < positiveMs) return true;
      if (!cached.addresses.has(address) && age < negativeMs) return false;
    }
    return (await fetchList(fid)).has(address);
  };
}
