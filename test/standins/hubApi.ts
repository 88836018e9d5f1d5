/** A local stand-in for a Farcaster hub's HTTP signer lookup, for tests only:
 * `GET /v1/onChainSignersByFid?fid=<fid>&signer=0x<32-byte key>`, in one of two real dialects.
 *
 * - `hubble` (default): the signer's active `OnChainEvent` as Hubble prints it, i.e. @farcaster/core's
 *   `OnChainEvent.toJSON` (enums as names) with byte fields named `key`, `blockHash`, `transactionHash`, ... turned from
 *   base64 into `0x` hex, `metadata` left base64. An unknown or removed key answers **400** with the HubError
 *   serialised as a gRPC ServiceError: `{ errCode: 'not_found', presentable: false, name: 'HubError', code: 5,
 *   details, metadata: { errcode: ['not_found'] } }`.
 *   Sources: farcasterxyz/hub-monorepo `apps/hubble/src/rpc/httpServer.ts` (`/v1/onChainSignersByFid` calls
 *   `getOnChainSigner` when `signer` is given; `handleResponse` answers every error with 400 and the JSON of the
 *   error; `transformHash` turns base64 into hex), `toServiceError` in the same app (not_found is gRPC code 5, errCode
 *   in metadata), `HubError` in @farcaster/core 0.20 (`errCode`, `presentable`, `name`), the Hub API OpenAPI 2.35.0
 *   `ErrorResponse` schema (required `errCode`, `presentable`, `name`, `code`, `details`, `metadata.errcode[]`), and
 *   docs.farcaster.xyz/reference/hubble/httpapi/onchain for the event example.
 * - `snapchain`: farcasterxyz/snapchain `src/network/http_server.rs` parses this route's query as a `FidRequest`
 *   (fid, page_size/pageSize, page_token/pageToken, reverse) and has no `signer` field, so it ignores `signer` and
 *   answers `{ events: [...all active signers of the fid...], nextPageToken? }` (serde field order; `key`,
 *   `blockHash`, `transactionHash` as `0x` hex; `metadata` base64; `tier_purchase_event_body: null` because that field
 *   lacks `skip_serializing_if`). Its errors are 400 `{ error, error_detail }`; a bad query string is a 400 plain
 *   text; an unknown route is a 404 plain text `Not Found`.
 *
 * What it cannot prove:
 * - Which dialect a hosted hub (Neynar's `snapchain-api`/`hub-api`) speaks today, whether it adds a `signer` filter
 *   in front of Snapchain, or whether it answers not_found with 404 instead of 400; the client accepts all of them.
 * - The exact `details` text of Hubble's not_found error, and rate limiting (429 bodies, Retry-After) or 5xx bodies of
 *   real hubs: `failWith` answers a generic JSON error.
 * - That removal is reflected immediately: a real hub sees a key's removal only once the KeyRegistry event on
 *   OP Mainnet is merged (minutes); `revoke` is instant.
 * - Chain data: block numbers, hashes and metadata (an ABI-encoded SignedKeyRequest) are random placeholders.
 * - Hosted hubs require an API key; this stand-in only records the `x-api-key` header, it never refuses. */

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { OnChainEvent, OnChainEventType, SignerEventType } from '@farcaster/hub-nodejs';
import { listenOnLoopback } from '../../src/support/listenOnLoopback.ts';

export type HubDialect = 'hubble' | 'snapchain';

export interface HubStandInOptions {
  /** Which hub's wire format to speak; default `hubble`. */
  dialect?: HubDialect;
  /** Snapchain page size when the client sends none (real default: 1000). */
  pageSize?: number;
}

/** One request as received (query values exactly as sent, null when absent). */
export interface HubStandInRequest {
  fid: string | null;
  signer: string | null;
  apiKey: string | null;
}

export interface HubStandIn {
  /** Base URL to use as the hub URL, e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** Make `signerHex` (`0x` + 64 hex) an active Ed25519 key of `fid`. */
  register(fid: number, signerHex: string): void;
  /** Remove the key, as a KeyRegistry `Remove` would. */
  revoke(fid: number, signerHex: string): void;
  requests: HubStandInRequest[];
  /** Answer every request with this status (a generic JSON error), or hold it unanswered ('hang'), until null. */
  failWith(status: number | 'hang' | null): void;
  close(): Promise<void>;
}

const HEX_KEYS = new Set(['hash', 'address', 'signer', 'blockHash', 'transactionHash', 'key', 'owner', 'to', 'from']);

/** Hubble's HTTP layer prints byte fields named like hashes and keys as hex instead of protobuf JSON's base64. */
function hubbleHex(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hubbleHex);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (HEX_KEYS.has(k) && typeof v === 'string') {
        const bytes = Buffer.from(v, 'base64');
        return [k, bytes.toString('base64') === v ? `0x${bytes.toString('hex')}` : v];
      }
      return [k, hubbleHex(v)];
    }),
  );
}

interface StoredSigner {
  fid: number;
  key: Buffer;
  blockNumber: number;
  blockHash: Buffer;
  transactionHash: Buffer;
  blockTimestamp: number;
  metadata: Buffer;
}

function hubbleEvent(s: StoredSigner): unknown {
  return hubbleHex(
    OnChainEvent.toJSON(
      OnChainEvent.create({
        type: OnChainEventType.EVENT_TYPE_SIGNER,
        chainId: 10,
        blockNumber: s.blockNumber,
        blockHash: s.blockHash,
        blockTimestamp: s.blockTimestamp,
        transactionHash: s.transactionHash,
        logIndex: 2,
        fid: s.fid,
        signerEventBody: {
          key: s.key,
          keyType: 1,
          eventType: SignerEventType.ADD,
          metadata: s.metadata,
          metadataType: 1,
        },
        txIndex: 0,
        version: 0,
      }),
    ),
  );
}

function snapchainEvent(s: StoredSigner): unknown {
  return {
    type: 'EVENT_TYPE_SIGNER',
    chainId: 10,
    blockNumber: s.blockNumber,
    blockHash: `0x${s.blockHash.toString('hex')}`,
    blockTimestamp: s.blockTimestamp,
    transactionHash: `0x${s.transactionHash.toString('hex')}`,
    logIndex: 2,
    fid: s.fid,
    signerEventBody: {
      key: `0x${s.key.toString('hex')}`,
      keyType: 1,
      eventType: 'SIGNER_EVENT_TYPE_ADD',
      metadata: s.metadata.toString('base64'),
      metadataType: 1,
    },
    tier_purchase_event_body: null,
    txIndex: 0,
    version: 0,
  };
}

function hubbleNotFound(details: string): unknown {
  return {
    errCode: 'not_found',
    presentable: false,
    name: 'HubError',
    code: 5,
    details,
    metadata: { errcode: ['not_found'] },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
  res.end(text);
}

function keyBytes(signerHex: string): Buffer {
  if (!/^0x[0-9a-fA-F]{64}$/.test(signerHex)) throw new Error(`not a 32-byte 0x key: ${signerHex}`);
  return Buffer.from(signerHex.slice(2), 'hex');
}

/** Start the stand-in on a free loopback port. */
export async function startHubStandIn(options: HubStandInOptions = {}): Promise<HubStandIn> {
  const dialect = options.dialect ?? 'hubble';
  const defaultPageSize = options.pageSize ?? 1000;
  /** Active signers in registration order, keyed by `${fid}:${hex}`. */
  const active = new Map<string, StoredSigner>();
  const requests: HubStandInRequest[] = [];
  let failure: number | 'hang' | null = null;
  let block = 108_875_000;

  /** What to answer for a request: status and body (a string is sent as text/plain). */
  function route(method: string | undefined, url: URL): [number, unknown] {
    if (failure !== null && failure !== 'hang') return [failure, { error: `stand-in failure ${failure}` }];
    if (method !== 'GET' || url.pathname !== '/v1/onChainSignersByFid') {
      return dialect === 'hubble'
        ? [404, { message: `Route ${method}:${url.pathname} not found`, error: 'Not Found', statusCode: 404 }]
        : [404, 'Not Found'];
    }
    const fidText = url.searchParams.get('fid') ?? '';
    if (!/^\d+$/.test(fidText)) {
      return dialect === 'hubble'
        ? [400, { errCode: 'bad_request.validation_failure', presentable: false, name: 'HubError', code: 3 }]
        : [400, 'Invalid query parameters: missing field `fid`'];
    }
    const fid = Number(fidText);
    const ofFid = [...active.values()].filter((s) => s.fid === fid);
    if (dialect === 'hubble') {
      const signer = url.searchParams.get('signer');
      if (signer === null) return [200, { events: ofFid.map(hubbleEvent) }];
      const found = active.get(`${fid}:${signer.toLowerCase()}`);
      return found === undefined
        ? [400, hubbleNotFound(`onChainEvent not found for fid ${fid} and signer`)]
        : [200, hubbleEvent(found)];
    }
    const pageSize = Number(url.searchParams.get('pageSize') ?? url.searchParams.get('page_size') ?? defaultPageSize);
    const token = url.searchParams.get('pageToken') ?? url.searchParams.get('page_token');
    const offset = token ? Number(Buffer.from(token, 'base64').toString('utf8')) : 0;
    const events = ofFid.slice(offset, offset + pageSize).map(snapchainEvent);
    const next = offset + pageSize < ofFid.length ? Buffer.from(String(offset + pageSize)).toString('base64') : null;
    return [200, next === null ? { events } : { events, nextPageToken: next }];
  }

  function answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const apiKey = req.headers['x-api-key'];
    requests.push({
      fid: url.searchParams.get('fid'),
      signer: url.searchParams.get('signer'),
      apiKey: typeof apiKey === 'string' ? apiKey : null,
    });
    if (failure === 'hang') return;
    const [status, body] = route(req.method, url);
    send(res, status, body);
  }

  const server = createServer(answer);
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    requests,
    register(fid, signerHex) {
      const key = keyBytes(signerHex);
      block += 1;
      active.set(`${fid}:${signerHex.toLowerCase()}`, {
        fid,
        key,
        blockNumber: block,
        blockHash: randomBytes(32),
        transactionHash: randomBytes(32),
        blockTimestamp: Math.floor(Date.now() / 1000),
        metadata: randomBytes(160),
      });
    },
    revoke(fid, signerHex) {
      keyBytes(signerHex);
      active.delete(`${fid}:${signerHex.toLowerCase()}`);
    },
    failWith(status) {
      failure = status;
    },
    close,
  };
}
