/** A local stand-in for a Farcaster hub's HTTP signer and verification lookups, for tests only:
 * `GET /v1/onChainSignersByFid?fid=<fid>&signer=0x<32-byte key>` and `GET /v1/verificationsByFid?fid=<fid>`, in one of
 * two real dialects.
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
 * `/v1/verificationsByFid` (the fid's verified addresses): `{ messages: [Message...], nextPageToken }`, each message a
 * `MESSAGE_TYPE_VERIFICATION_ADD_ETH_ADDRESS` whose `data.verificationAddAddressBody` holds `address`, `claimSignature`,
 * `blockHash`, `verificationType`, `chainId` and `protocol: 'PROTOCOL_ETHEREUM'`.
 * - `hubble`: @farcaster/core's `MessagesResponse.toJSON` through the same hex transform (`address`, `hash`, `signer`,
 *   `blockHash` as `0x` hex; `claimSignature`, `signature` base64), `nextPageToken: ""`, all messages in one page
 *   (Hubble's handler passes no page options for this route). With `addressEncoding: 'base64'` the transform is left
 *   out, as plain protobuf JSON prints it (bytes as base64): what a hub or proxy without Hubble's transform answers.
 * - `snapchain`: `PagedResponse` of `src/network/http_server.rs` (`map_proto_verification_add_body_to_json_...`:
 *   Ethereum `address` and `blockHash` as `0x` hex, `claimSignature` base64, `protocol` by name), paged like the
 *   signer list.
 *
 * What it cannot prove:
 * - That a verification is genuine: claim signatures, block hashes, message hashes and signatures are random bytes
 *   (a real hub checked the EIP-712 claim before merging it); `verify` is believed as is.
 * - Solana verifications (base58 addresses), contract (ERC-1271) verifications, and how fast a real hub reflects an
 *   added or removed verification; `verify`/`unverify` are instant.
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
import {
  FarcasterNetwork,
  HashScheme,
  Message,
  MessagesResponse,
  MessageType,
  OnChainEvent,
  OnChainEventType,
  Protocol,
  SignatureScheme,
  SignerEventType,
} from '@farcaster/hub-nodejs';
import { listenOnLoopback } from '../../src/support/listenOnLoopback.ts';

export type HubDialect = 'hubble' | 'snapchain';

export interface HubStandInOptions {
  /** Which hub's wire format to speak; default `hubble`. */
  dialect?: HubDialect;
  /** How `hubble` prints verified addresses: `hex` (Hubble's transform, default) or `base64` (plain protobuf JSON). */
  addressEncoding?: 'hex' | 'base64';
  /** Snapchain page size when the client sends none (real default: 1000). */
  pageSize?: number;
}

/** One request as received (query values exactly as sent, null when absent). */
export interface HubStandInRequest {
  fid: string | null;
  signer: string | null;
  apiKey: string | null;
}

/** One `/v1/verificationsByFid` request as received. */
export interface HubStandInVerificationRequest {
  fid: string | null;
  pageToken: string | null;
  apiKey: string | null;
}

export interface HubStandIn {
  /** Base URL to use as the hub URL, e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** Make `signerHex` (`0x` + 64 hex) an active Ed25519 key of `fid`. */
  register(fid: number, signerHex: string): void;
  /** Remove the key, as a KeyRegistry `Remove` would. */
  revoke(fid: number, signerHex: string): void;
  /** Make `address` (`0x` + 40 hex) a verified Ethereum address of `fid`, as a merged VerificationAddEthAddress. */
  verify(fid: number, address: string): void;
  /** Remove the verification, as a merged VerificationRemove would. */
  unverify(fid: number, address: string): void;
  /** Signer lookups (`/v1/onChainSignersByFid` and unknown routes). */
  requests: HubStandInRequest[];
  /** Verification lookups (`/v1/verificationsByFid`). */
  verificationRequests: HubStandInVerificationRequest[];
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

interface StoredVerification {
  fid: number;
  address: Buffer;
  timestamp: number;
  hash: Buffer;
  signer: Buffer;
  signature: Buffer;
  claimSignature: Buffer;
  blockHash: Buffer;
}

function verificationMessage(v: StoredVerification): Message {
  return Message.create({
    data: {
      type: MessageType.VERIFICATION_ADD_ETH_ADDRESS,
      fid: v.fid,
      timestamp: v.timestamp,
      network: FarcasterNetwork.MAINNET,
      verificationAddAddressBody: {
        address: v.address,
        claimSignature: v.claimSignature,
        blockHash: v.blockHash,
        verificationType: 0,
        chainId: 0,
        protocol: Protocol.ETHEREUM,
      },
    },
    hash: v.hash,
    hashScheme: HashScheme.BLAKE3,
    signature: v.signature,
    signatureScheme: SignatureScheme.ED25519,
    signer: v.signer,
  });
}

function snapchainVerification(v: StoredVerification): unknown {
  return {
    data: {
      type: 'MESSAGE_TYPE_VERIFICATION_ADD_ETH_ADDRESS',
      fid: v.fid,
      timestamp: v.timestamp,
      network: 'FARCASTER_NETWORK_MAINNET',
      verificationAddAddressBody: {
        address: `0x${v.address.toString('hex')}`,
        claimSignature: v.claimSignature.toString('base64'),
        blockHash: `0x${v.blockHash.toString('hex')}`,
        type: 0,
        chainId: 0,
        protocol: 'PROTOCOL_ETHEREUM',
      },
    },
    hash: `0x${v.hash.toString('hex')}`,
    hashScheme: 'HASH_SCHEME_BLAKE3',
    signature: v.signature.toString('base64'),
    signatureScheme: 'SIGNATURE_SCHEME_ED25519',
    signer: `0x${v.signer.toString('hex')}`,
  };
}

function addressBytes(address: string): Buffer {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error(`not a 20-byte 0x address: ${address}`);
  return Buffer.from(address.slice(2), 'hex');
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
  /** Verified addresses in verification order, keyed by `${fid}:${lowercase address}`. */
  const verified = new Map<string, StoredVerification>();
  const requests: HubStandInRequest[] = [];
  const verificationRequests: HubStandInVerificationRequest[] = [];
  let failure: number | 'hang' | null = null;
  let block = 108_875_000;

  /** `/v1/verificationsByFid?fid=` in the dialect's wire format (the fid is already checked to be digits). */
  function verifications(fid: number, url: URL): [number, unknown] {
    const ofFid = [...verified.values()].filter((v) => v.fid === fid);
    if (dialect === 'hubble') {
      const json = MessagesResponse.toJSON({
        messages: ofFid.map(verificationMessage),
        nextPageToken: new Uint8Array(),
      });
      return [200, options.addressEncoding === 'base64' ? json : hubbleHex(json)];
    }
    const pageSize = Number(url.searchParams.get('pageSize') ?? url.searchParams.get('page_size') ?? defaultPageSize);
    const token = url.searchParams.get('pageToken') ?? url.searchParams.get('page_token');
    const offset = token ? Number(Buffer.from(token, 'base64').toString('utf8')) : 0;
    const messages = ofFid.slice(offset, offset + pageSize).map(snapchainVerification);
    const next = offset + pageSize < ofFid.length ? Buffer.from(String(offset + pageSize)).toString('base64') : null;
    return [200, next === null ? { messages } : { messages, nextPageToken: next }];
  }

  /** What to answer for a request: status and body (a string is sent as text/plain). */
  function route(method: string | undefined, url: URL): [number, unknown] {
    if (failure !== null && failure !== 'hang') return [failure, { error: `stand-in failure ${failure}` }];
    const known = url.pathname === '/v1/onChainSignersByFid' || url.pathname === '/v1/verificationsByFid';
    if (method !== 'GET' || !known) {
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
    if (url.pathname === '/v1/verificationsByFid') return verifications(fid, url);
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
    const header = req.headers['x-api-key'];
    const apiKey = typeof header === 'string' ? header : null;
    if (url.pathname === '/v1/verificationsByFid') {
      verificationRequests.push({
        fid: url.searchParams.get('fid'),
        pageToken: url.searchParams.get('pageToken') ?? url.searchParams.get('page_token'),
        apiKey,
      });
    } else {
      requests.push({ fid: url.searchParams.get('fid'), signer: url.searchParams.get('signer'), apiKey });
    }
    if (failure === 'hang') return;
    const [status, body] = route(req.method, url);
    send(res, status, body);
  }

  const server = createServer(answer);
  const { url, close } = await listenOnLoopback(server);
  return {
    url,
    requests,
    verificationRequests,
    verify(fid, address) {
      verified.set(`${fid}:${address.toLowerCase()}`, {
        fid,
        address: addressBytes(address),
        timestamp: Math.floor((Date.now() - 1_609_459_200_000) / 1000),
        hash: randomBytes(20),
        signer: randomBytes(32),
        signature: randomBytes(64),
        claimSignature: randomBytes(65),
        blockHash: randomBytes(32),
      });
    },
    unverify(fid, address) {
      addressBytes(address);
      verified.delete(`${fid}:${address.toLowerCase()}`);
    },
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
