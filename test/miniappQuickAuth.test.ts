import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type QuickAuthStandIn, signJwt, startQuickAuthStandIn } from '../scripts/devnet/quickAuthStandIn.ts';
import { address, userUpdated } from '../scripts/neynarPayloads.ts';
import { createErrorHandler } from '../src/http/onError.ts';
import { createMiniAppServer } from '../src/miniapp/createMiniAppServer.ts';
import {
  type Authenticate,
  classifyVerifyError,
  createQuickAuthenticator,
} from '../src/miniapp/createQuickAuthenticator.ts';
import { silentLogger } from '../src/support/logger.ts';
import { closedPort } from './support/closedPort.ts';
import { databaseTargets } from './support/databases.ts';
import { testApp } from './support/testApp.ts';

const DOMAIN = 'app.example.com';
const PUBLIC_URL = `https://${DOMAIN}`;

/** The authenticator behind a tiny app with the real error handler, so statuses are the ones clients see. */
function guarded(authenticate: Authenticate): Hono {
  const app = new Hono();
  app.onError(createErrorHandler(silentLogger));
  app.get('/who', async (c) => c.json(await authenticate(c.req.raw)));
  return app;
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

function b64(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

function headerOf(token: string): { kid: string; alg: string } {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string; alg: string };
}

describe('createQuickAuthenticator against the Quick Auth stand-in (real JWKS over HTTP, real signatures)', () => {
  let qa: QuickAuthStandIn;
  let app: Hono;

  beforeAll(async () => {
    qa = await startQuickAuthStandIn();
    app = guarded(createQuickAuthenticator({ origin: qa.origin, domain: DOMAIN }));
  });
  afterAll(async () => {
    await qa.close();
  });

  it('accepts a token the server issued for our domain and answers its fid', async () => {
    const token = await qa.issueToken({ fid: 4242, domain: DOMAIN });
    const res = await app.request('/who', bearer(token));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ fid: 4242 });
  });

  it('fetches the key set once for many verifications (jose caches it)', async () => {
    const before = qa.jwksFetches();
    for (let i = 0; i < 5; i++) {
      const res = await app.request('/who', bearer(await qa.issueToken({ fid: 7 + i, domain: DOMAIN })));
      expect(res.status).toBe(200);
    }
    expect(qa.jwksFetches() - before).toBe(0);
  });

  const refusals: [string, () => Promise<string>][] = [
    ['an expired token', () => qa.issueToken({ fid: 1, domain: DOMAIN, expiresInSeconds: -120 })],
    ['a token for another domain', () => qa.issueToken({ fid: 1, domain: 'evil.example.com' })],
    ['a token for our domain with a port', () => qa.issueToken({ fid: 1, domain: `${DOMAIN}:8443` })],
    [
      'a token from another issuer',
      () => qa.issueToken({ fid: 1, domain: DOMAIN, issuer: 'https://auth.farcaster.xyz' }),
    ],
    [
      'a token signed by another key under the same key id',
      async () => {
        const genuine = await qa.issueToken({ fid: 1, domain: DOMAIN });
        const other = generateKeyPairSync('ed25519').privateKey;
        const now = Math.floor(Date.now() / 1000);
        return signJwt(other, 'EdDSA', headerOf(genuine).kid, {
          iss: qa.origin,
          aud: DOMAIN,
          sub: 1,
          iat: now,
          exp: now + 600,
        });
      },
    ],
    [
      'a token signed by another key under an unknown key id',
      async () => {
        const other = generateKeyPairSync('ed25519').privateKey;
        const now = Math.floor(Date.now() / 1000);
        return signJwt(other, 'EdDSA', 'not-a-kid', { iss: qa.origin, aud: DOMAIN, sub: 1, iat: now, exp: now + 60 });
      },
    ],
    [
      'a genuine token whose payload was changed to another fid',
      async () => {
        const [h, p, s] = (await qa.issueToken({ fid: 1, domain: DOMAIN })).split('.');
        const claims = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Record<string, unknown>;
        return `${h}.${b64({ ...claims, sub: 2 })}.${s}`;
      },
    ],
    [
      'alg none',
      async () => {
        const genuine = await qa.issueToken({ fid: 1, domain: DOMAIN });
        const now = Math.floor(Date.now() / 1000);
        return `${b64({ alg: 'none', typ: 'JWT', kid: headerOf(genuine).kid })}.${b64({ iss: qa.origin, aud: DOMAIN, sub: 1, exp: now + 60 })}.`;
      },
    ],
    [
      'HS256 keyed with the public key (algorithm confusion)',
      async () => {
        const genuine = await qa.issueToken({ fid: 1, domain: DOMAIN });
        const now = Math.floor(Date.now() / 1000);
        return `${b64({ alg: 'HS256', typ: 'JWT', kid: headerOf(genuine).kid })}.${b64({ iss: qa.origin, aud: DOMAIN, sub: 1, exp: now + 60 })}.${'A'.repeat(43)}`;
      },
    ],
    ['garbage in JWT shape', async () => 'aaaa.bbbb.cccc'],
    ['a header that is not JSON', async () => `${Buffer.from('{nope').toString('base64url')}.${b64({})}.AAAA`],
    ['a token of 5,000 characters', async () => `${'a'.repeat(2500)}.${'b'.repeat(2500)}.c`],
  ];
  it.each(refusals)('refuses %s with 401', async (_name, make) => {
    const res = await app.request('/who', bearer(await make()));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: expect.any(String) });
  });

  it('refuses a correctly signed token without an expiry, or whose subject is not a positive integer fid', async () => {
    const noExpiry = await qa.issueToken({ fid: 1, domain: DOMAIN, claims: { exp: undefined } });
    expect((await app.request('/who', bearer(noExpiry))).status).toBe(401);
    for (const sub of [0, -5, 1.5, 'alice', null, 2 ** 60]) {
      const token = await qa.issueToken({ fid: 1, domain: DOMAIN, claims: { sub } });
      expect((await app.request('/who', bearer(token))).status, `sub ${String(sub)}`).toBe(401);
    }
    const numericString = await qa.issueToken({ fid: 1, domain: DOMAIN, claims: { sub: '12' } });
    expect(await (await app.request('/who', bearer(numericString))).json()).toEqual({ fid: 12 });
  });

  it('refuses requests without a bearer token, or with another scheme', async () => {
    expect((await app.request('/who')).status).toBe(401);
    const token = await qa.issueToken({ fid: 1, domain: DOMAIN });
    expect((await app.request('/who', { headers: { authorization: `Basic ${token}` } })).status).toBe(401);
    expect((await app.request('/who', { headers: { authorization: `Bearer ${token} ${token}` } })).status).toBe(401);
    expect((await app.request('/who', { headers: { authorization: 'Bearer' } })).status).toBe(401);
  });

  it('verifies ES256 tokens as well', async () => {
    const es = await startQuickAuthStandIn({ alg: 'ES256' });
    try {
      const auth = guarded(createQuickAuthenticator({ origin: es.origin, domain: DOMAIN }));
      const res = await auth.request('/who', bearer(await es.issueToken({ fid: 99, domain: DOMAIN })));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ fid: 99 });
    } finally {
      await es.close();
    }
  });
});

describe('createQuickAuthenticator when the key server fails', () => {
  let broken: Server;
  let brokenOrigin: string;
  let mode: 'status500' | 'notJson' | 'notKeys' = 'status500';

  beforeAll(async () => {
    broken = createServer((_req, res) => {
      if (mode === 'status500') res.writeHead(500).end('oops');
      else if (mode === 'notJson') res.writeHead(200, { 'content-type': 'application/json' }).end('{not json');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":"nope"}');
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    brokenOrigin = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    broken.closeAllConnections();
    await new Promise<void>((resolve) => broken.close(() => resolve()));
  });

  it('answers 503 with Retry-After when the JWKS is unreachable (never 401, never 500)', async () => {
    const qa = await startQuickAuthStandIn();
    try {
      const origin = `http://127.0.0.1:${await closedPort()}`;
      const app = guarded(createQuickAuthenticator({ origin, domain: DOMAIN }));
      const token = await qa.issueToken({ fid: 1, domain: DOMAIN, issuer: origin });
      const res = await app.request('/who', bearer(token));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await qa.close();
    }
  });

  it.each(['status500', 'notJson', 'notKeys'] as const)('answers 503 when the JWKS answer is %s', async (m) => {
    mode = m;
    const qa = await startQuickAuthStandIn();
    try {
      // A fresh path per case: quick-auth keeps one key set per URL for the life of the module.
      const origin = `${brokenOrigin}`;
      const app = guarded(
        createQuickAuthenticator({
          origin,
          domain: DOMAIN,
          verifyJwt: (o) =>
            import('@farcaster/quick-auth').then((q) => q.createClient({ origin: `${origin}/${m}` }).verifyJwt(o)),
        }),
      );
      const token = await qa.issueToken({ fid: 1, domain: DOMAIN, issuer: `${origin}/${m}` });
      const res = await app.request('/who', bearer(token));
      expect(res.status).toBe(503);
    } finally {
      await qa.close();
    }
  });

  it('classifies an error it has never seen as the key server failing (503), never a 500', () => {
    expect(classifyVerifyError(new TypeError('fetch failed')).status).toBe(503);
    expect(classifyVerifyError('a string').status).toBe(503);
    expect(classifyVerifyError(Object.assign(new Error('x'), { code: 'ERR_JWS_INVALID' })).status).toBe(401);
  });
});

describe('the Quick Auth stand-in speaks what sdk.quickAuth.getToken() calls', () => {
  let qa: QuickAuthStandIn;
  const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');

  beforeAll(async () => {
    qa = await startQuickAuthStandIn();
  });
  afterAll(async () => {
    await qa.close();
  });

  async function signIn(options: { fid: number; domain: string; nonce?: string; signDomain?: string }) {
    const { nonce } = options.nonce
      ? { nonce: options.nonce }
      : ((await (await fetch(`${qa.origin}/nonce`, { method: 'POST' })).json()) as { nonce: string });
    const message = createSiweMessage({
      address: account.address,
      chainId: 10,
      domain: options.signDomain ?? options.domain,
      nonce,
      uri: `https://${options.domain}/`,
      version: '1',
      resources: [`farcaster://fid/${options.fid}`],
    });
    const signature = await account.signMessage({ message });
    const res = await fetch(`${qa.origin}/verify-siwf`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://host.example.com' },
      body: JSON.stringify({ message, signature, domain: options.domain }),
    });
    return { res, body: (await res.json()) as { valid: boolean; token?: string; message?: string }, nonce };
  }

  it('POST /nonce then POST /verify-siwf issues a token the authenticator accepts', async () => {
    const { res, body } = await signIn({ fid: 321, domain: DOMAIN });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(body.valid).toBe(true);
    const app = guarded(createQuickAuthenticator({ origin: qa.origin, domain: DOMAIN }));
    expect(await (await app.request('/who', bearer(body.token ?? ''))).json()).toEqual({ fid: 321 });
  });

  it("answers @farcaster/quick-auth's light client, the code sdk.quickAuth.getToken() runs (nonce, then verify-siwf)", async () => {
    const { createLightClient } = await import('@farcaster/quick-auth/light');
    const light = createLightClient({ origin: qa.origin });
    const { nonce } = await light.generateNonce();
    const message = createSiweMessage({
      address: account.address,
      chainId: 10,
      domain: DOMAIN,
      nonce,
      uri: `https://${DOMAIN}/`,
      version: '1',
      resources: ['farcaster://fid/654'],
    });
    const { token } = await light.verifySiwf({
      domain: DOMAIN,
      message,
      signature: await account.signMessage({ message }),
    });
    const app = guarded(createQuickAuthenticator({ origin: qa.origin, domain: DOMAIN }));
    expect(await (await app.request('/who', bearer(token))).json()).toEqual({ fid: 654 });
    // A refusal is the package's InvalidSiwfError (valid: false), as from the real server.
    await expect(
      light.verifySiwf({ domain: DOMAIN, message, signature: await account.signMessage({ message }) }),
    ).rejects.toThrow(/unknown nonce/);
  });

  it('refuses a reused nonce, a made-up nonce and a message for another domain', async () => {
    const first = await signIn({ fid: 5, domain: DOMAIN });
    expect(first.body.valid).toBe(true);
    expect((await signIn({ fid: 5, domain: DOMAIN, nonce: first.nonce })).body).toEqual({
      valid: false,
      message: 'unknown nonce',
    });
    expect((await signIn({ fid: 5, domain: DOMAIN, nonce: 'abcdefgh1234' })).body.valid).toBe(false);
    expect((await signIn({ fid: 5, domain: DOMAIN, signDomain: 'evil.example.com' })).body.valid).toBe(false);
  });

  it('answers the CORS preflight of the JSON POST', async () => {
    const res = await fetch(`${qa.origin}/verify-siwf`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://host.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/content-type/i);
  });

  it('serves its key set at /.well-known/jwks.json', async () => {
    const jwks = (await (await fetch(`${qa.origin}/.well-known/jwks.json`)).json()) as { keys: { kty: string }[] };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' })]);
    expect(JSON.stringify(jwks)).not.toMatch(/"d":/);
  });
});

describe.each(databaseTargets())('GET /api/me on $name', (target) => {
  let qa: QuickAuthStandIn;

  beforeAll(async () => {
    qa = await startQuickAuthStandIn();
  });
  afterAll(async () => {
    await qa.close();
  });

  it('answers the fid, profile, verified addresses (primary first) and notification state; 401 without a token', async () => {
    const db = await target.create();
    try {
      const miniApp = createMiniAppServer(
        { publicUrl: PUBLIC_URL, quickAuthOrigin: qa.origin, chainId: 8453 },
        { store: db.stores.miniapp, logger: silentLogger },
      );
      const app = testApp(db, { miniApp });
      const primary = address(0xb2);
      await app.deliver(
        userUpdated({
          fid: 77,
          username: 'alice',
          display_name: 'Alice',
          pfp_url: 'https://example.com/a.png',
          custody_address: address(0xc1),
          verified_addresses: {
            eth_addresses: [address(0xa1), primary],
            sol_addresses: [],
            primary: { eth_address: primary },
          },
        }),
      );
      await app.drainer.drain();

      const res = await app.app.request('/api/me', bearer(await qa.issueToken({ fid: 77, domain: DOMAIN })));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('private, no-store');
      expect(await res.json()).toEqual({
        fid: 77,
        user: { username: 'alice', displayName: 'Alice', pfpUrl: 'https://example.com/a.png' },
        addresses: [primary, address(0xa1)],
        notifications: { enabled: false, clients: [] },
      });

      const stranger = await app.app.request('/api/me', bearer(await qa.issueToken({ fid: 78, domain: DOMAIN })));
      expect(await stranger.json()).toEqual({
        fid: 78,
        user: null,
        addresses: [],
        notifications: { enabled: false, clients: [] },
      });

      expect((await app.app.request('/api/me')).status).toBe(401);
      const other = await qa.issueToken({ fid: 77, domain: 'localhost:8787' });
      expect((await app.app.request('/api/me', bearer(other))).status).toBe(401);
    } finally {
      await db.close();
    }
  });
});
