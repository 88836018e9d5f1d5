/** Development and test tooling: a local stand-in of the Farcaster Quick Auth server, so the mini app signs in with no
 * network (`npm start` starts one; tests start their own).
 *
 * Usage:
 *
 *   const qa = await startQuickAuthStandIn();            // 127.0.0.1, a free port; { port, alg, tokenSeconds } optional
 *   qa.origin                                            // QUICK_AUTH_ORIGIN for the server, and the
 *                                                        //   `quickAuthServerOrigin` of sdk.quickAuth.getToken()
 *   const token = await qa.issueToken({ fid: 42, domain: 'localhost:8787' });   // a JWT the server accepts
 *   await qa.issueToken({ fid: 42, domain, expiresInSeconds: -60 });            // an expired one
 *   await qa.issueToken({ fid: 42, domain, claims: { exp: undefined } });       // claims replaced or left out
 *   await qa.close();
 *
 * `domain` is the audience: the host of the server's PUBLIC_URL (`new URL(PUBLIC_URL).host`, port included).
 *
 * It answers exactly what `@farcaster/miniapp-sdk` 0.3.0's `sdk.quickAuth.getToken()` and `@farcaster/quick-auth`
 * 0.0.8 call on the server origin:
 * - `POST /nonce` (no body) → `{ nonce }` (alphanumeric, single use, valid 10 minutes);
 * - `POST /verify-siwf` `{ message, signature, domain }` (JSON) → `{ valid: true, token }`, or `{ valid: false,
 *   message }`: the SIWE message must parse, carry one of our unused nonces, the given domain, a `farcaster://fid/N`
 *   resource, an unexpired time, and a signature by its address (EIP-191, checked with viem);
 * - `GET /.well-known/jwks.json` → the public key set (one key, `kid`, `alg`, `use: sig`);
 * - CORS for all of them (any origin, the preflight of the JSON POST included), as a browser inside a mini app calls
 *   them cross-origin.
 * Tokens are real JWTs signed with a key generated at start (EdDSA over Ed25519 by default, or ES256): header `{alg,
 * typ: 'JWT', kid}`, claims `{ iss: origin, aud: domain, sub: fid (a number), iat, exp }` (1 hour by default).
 *
 * What it cannot prove: that the signing address is the fid's custody or auth address (that needs Optimism's
 * IdRegistry/KeyRegistry); the real server's signing algorithm and lifetime; its rate limits and error bodies. */
import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyMessage } from 'viem';
import { parseSiweMessage } from 'viem/siwe';

export type QuickAuthAlg = 'EdDSA' | 'ES256';

export interface QuickAuthStandInOptions {
  /** Default 0: a free port on 127.0.0.1. */
  port?: number;
  /** Default EdDSA. */
  alg?: QuickAuthAlg;
  /** Lifetime of issued tokens (default 3600). */
  tokenSeconds?: number;
}

export interface IssueTokenOptions {
  fid: number;
  /** The audience: the host of the server's PUBLIC_URL. */
  domain: string;
  /** Default the stand-in's tokenSeconds; negative gives an expired token. */
  expiresInSeconds?: number;
  /** Override the issuer (default: the stand-in's origin), e.g. to forge a wrong-issuer token. */
  issuer?: string;
  /** Claims to add or replace; `undefined` leaves a claim out (e.g. `{ exp: undefined }`). */
  claims?: Record<string, unknown>;
}

export interface QuickAuthStandIn {
  origin: string;
  alg: QuickAuthAlg;
  /** A token signed with the stand-in's key. */
  issueToken(options: IssueTokenOptions): Promise<string>;
  /** How many times the key set was fetched (tests of caching). */
  jwksFetches(): number;
  close(): Promise<void>;
}

const NONCE_TTL_MS = 10 * 60 * 1000;
const MAX_BODY = 16 * 1024;

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** Sign a compact JWS with a node:crypto key: EdDSA over Ed25519, or ES256 (P-256, raw r||s signature). */
export function signJwt(key: KeyObject, alg: QuickAuthAlg, kid: string, claims: Record<string, unknown>): string {
  const input = `${b64url(JSON.stringify({ alg, typ: 'JWT', kid }))}.${b64url(JSON.stringify(claims))}`;
  const signature =
    alg === 'EdDSA'
      ? sign(null, Buffer.from(input), key)
      : sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

function generateKey(alg: QuickAuthAlg): KeyObject {
  return alg === 'EdDSA'
    ? generateKeyPairSync('ed25519').privateKey
    : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

function cors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
  res.setHeader('Access-Control-Max-Age', '600');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  cors(res);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Start the stand-in on 127.0.0.1. */
export async function startQuickAuthStandIn(options: QuickAuthStandInOptions = {}): Promise<QuickAuthStandIn> {
  const alg = options.alg ?? 'EdDSA';
  const tokenSeconds = options.tokenSeconds ?? 3600;
  const privateKey = generateKey(alg);
  const kid = randomBytes(8).toString('hex');
  const jwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const nonces = new Map<string, number>();
  let fetches = 0;
  let origin = '';

  const issue = (o: IssueTokenOptions) => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(privateKey, alg, kid, {
      iss: o.issuer ?? origin,
      aud: o.domain,
      sub: o.fid,
      iat: now,
      exp: now + (o.expiresInSeconds ?? tokenSeconds),
      ...o.claims,
    });
  };

  const verifySiwf = async (raw: string): Promise<{ ok: true; token: string } | { ok: false; message: string }> => {
    let body: { message?: unknown; signature?: unknown; domain?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return { ok: false, message: 'body is not JSON' };
    }
    const { message, signature, domain } = body;
    if (typeof message !== 'string' || typeof signature !== 'string' || typeof domain !== 'string') {
      return { ok: false, message: 'message, signature and domain are required' };
    }
    if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return { ok: false, message: 'signature must be 65 bytes of hex' };
    const siwe = parseSiweMessage(message);
    if (siwe.address === undefined || siwe.nonce === undefined) return { ok: false, message: 'not a SIWE message' };
    if (siwe.domain !== domain) return { ok: false, message: 'domain mismatch' };
    const issuedAt = nonces.get(siwe.nonce);
    if (issuedAt === undefined || Date.now() - issuedAt > NONCE_TTL_MS) return { ok: false, message: 'unknown nonce' };
    if (siwe.expirationTime !== undefined && siwe.expirationTime.getTime() < Date.now()) {
      return { ok: false, message: 'message expired' };
    }
    const fid = (siwe.resources ?? [])
      .map((r) => /^farcaster:\/\/fid\/(\d{1,15})$/.exec(r)?.[1])
      .find((x) => x !== undefined);
    if (fid === undefined || Number(fid) <= 0) return { ok: false, message: 'no farcaster://fid/ resource' };
    const valid = await verifyMessage({
      address: siwe.address,
      message,
      signature: signature as `0x${string}`,
    }).catch(() => false);
    if (!valid) return { ok: false, message: 'invalid signature' };
    nonces.delete(siwe.nonce);
    return { ok: true, token: issue({ fid: Number(fid), domain }) };
  };

  const server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (req.method === 'OPTIONS') {
        cors(res);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'GET' && path === '/.well-known/jwks.json') {
        fetches++;
        send(res, 200, { keys: [jwk] });
        return;
      }
      if (req.method === 'POST' && path === '/nonce') {
        await readBody(req);
        const now = Date.now();
        for (const [n, at] of nonces) if (now - at > NONCE_TTL_MS) nonces.delete(n);
        const nonce = randomBytes(12).toString('hex');
        nonces.set(nonce, now);
        send(res, 200, { nonce });
        return;
      }
      if (req.method === 'POST' && path === '/verify-siwf') {
        const raw = await readBody(req);
        if (raw === null) {
          send(res, 413, { error: 'body too large' });
          return;
        }
        const result = await verifySiwf(raw);
        send(res, 200, result.ok ? { valid: true, token: result.token } : { valid: false, message: result.message });
        return;
      }
      send(res, 404, { error: 'not found' });
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    alg,
    issueToken: async (o) => issue(o),
    jwksFetches: () => fetches,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
