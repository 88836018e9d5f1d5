import { afterEach, describe, expect, it } from 'vitest';
import { type HubStandIn, type HubStandInOptions, startHubStandIn } from '../../scripts/devnet/hubStandIn.ts';
import { createFrameSigner } from '../../scripts/support/frameActions.ts';
import { UnavailableError } from '../errors.ts';
import { createHubSignerCheck, type HubSignerCheckOptions } from './createHubSignerCheck.ts';

const open: HubStandIn[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

async function standIn(options: HubStandInOptions = {}): Promise<HubStandIn> {
  const hub = await startHubStandIn(options);
  open.push(hub);
  return hub;
}

function check(hub: HubStandIn, overrides: Partial<HubSignerCheckOptions> = {}) {
  return createHubSignerCheck({ hubUrl: hub.url, cacheSeconds: 0, ...overrides });
}

async function unavailable(promise: Promise<unknown>): Promise<UnavailableError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnavailableError);
  expect(error).toMatchObject({ status: 503, retryAfterSeconds: 5, message: 'Farcaster hub unavailable; try again' });
  return error as UnavailableError;
}

const alice = createFrameSigner(4242);
const other = createFrameSigner(4242);

describe('createHubSignerCheck', () => {
  it('asks GET /v1/onChainSignersByFid?fid&signer and accepts only the registered key of that fid', async () => {
    const hub = await standIn();
    hub.register(alice.fid, alice.signerHex);
    const isSigner = check(hub);
    expect(await isSigner(alice.fid, alice.signerHex)).toBe(true);
    expect(await isSigner(alice.fid, other.signerHex)).toBe(false);
    expect(await isSigner(999, alice.signerHex)).toBe(false);
    expect(await isSigner(alice.fid, alice.signerHex.toUpperCase().replace('0X', '0x') as `0x${string}`)).toBe(true);
    expect(hub.requests[0]).toEqual({ fid: '4242', signer: alice.signerHex, apiKey: null });
    expect(hub.requests).toHaveLength(4);
  });

  it('sends the API key as x-api-key and keeps it out of errors', async () => {
    const hub = await standIn();
    hub.register(alice.fid, alice.signerHex);
    const isSigner = check(hub, { apiKey: 'secret-hub-key-123' });
    expect(await isSigner(alice.fid, alice.signerHex)).toBe(true);
    expect(hub.requests[0]?.apiKey).toBe('secret-hub-key-123');
    hub.failWith(401);
    const error = await unavailable(isSigner(alice.fid, alice.signerHex));
    expect(`${error.message} ${String(error.cause)} ${JSON.stringify(error)}`).not.toContain('secret-hub-key');
  });

  it('refuses a key once it is revoked (after its cached answer expires)', async () => {
    const hub = await standIn();
    hub.register(alice.fid, alice.signerHex);
    let clock = 0;
    const isSigner = check(hub, { cacheSeconds: 120, now: () => clock });
    expect(await isSigner(alice.fid, alice.signerHex)).toBe(true);
    hub.revoke(alice.fid, alice.signerHex);
    clock = 119_999;
    expect(await isSigner(alice.fid, alice.signerHex)).toBe(true);
    clock = 120_000;
    expect(await isSigner(alice.fid, alice.signerHex)).toBe(false);
    expect(hub.requests).toHaveLength(2);
  });

  it('caches positive answers for cacheSeconds and negative ones for at most 60 s', async () => {
    const hub = await standIn();
    hub.register(alice.fid, alice.signerHex);
    let clock = 0;
    const isSigner = check(hub, { cacheSeconds: 300, now: () => clock });
    expect(await isSigner(alice.fid, alice.signerHex)).toBe(true);
    expect(await isSigner(alice.fid, other.signerHex)).toBe(false);
    expect(hub.requests).toHaveLength(2);
    clock = 59_000;
    await isSigner(alice.fid, alice.signerHex);
    await isSigner(alice.fid, other.signerHex);
    expect(hub.requests).toHaveLength(2);
    clock = 61_000;
    hub.register(other.fid, other.signerHex);
    expect(await isSigner(alice.fid, other.signerHex)).toBe(true);
    expect(await isSigner(alice.fid, alice.signerHex)).toBe(true);
    expect(hub.requests).toHaveLength(3);
    clock = 300_001;
    await isSigner(alice.fid, alice.signerHex);
    expect(hub.requests).toHaveLength(4);
  });

  it('does not cache when cacheSeconds is 0', async () => {
    const hub = await standIn();
    hub.register(alice.fid, alice.signerHex);
    const isSigner = check(hub, { cacheSeconds: 0 });
    await isSigner(alice.fid, alice.signerHex);
    await isSigner(alice.fid, alice.signerHex);
    await isSigner(alice.fid, other.signerHex);
    await isSigner(alice.fid, other.signerHex);
    expect(hub.requests).toHaveLength(4);
  });

  it('makes one request for 100 concurrent checks of one key, also when the hub fails', async () => {
    const hub = await standIn();
    hub.register(alice.fid, alice.signerHex);
    const isSigner = check(hub, { cacheSeconds: 0 });
    const answers = await Promise.all(Array.from({ length: 100 }, () => isSigner(alice.fid, alice.signerHex)));
    expect(answers.every((a) => a === true)).toBe(true);
    expect(hub.requests).toHaveLength(1);
    hub.failWith(503);
    const failures = await Promise.allSettled(Array.from({ length: 100 }, () => isSigner(alice.fid, alice.signerHex)));
    expect(failures.every((f) => f.status === 'rejected' && f.reason instanceof UnavailableError)).toBe(true);
    expect(hub.requests).toHaveLength(2);
  });

  it.each([500, 502, 503, 429, 401, 403, 400])(
    'throws UnavailableError when the hub answers %i, and caches nothing',
    async (status) => {
      const hub = await standIn();
      hub.register(alice.fid, alice.signerHex);
      const isSigner = check(hub, { cacheSeconds: 300 });
      hub.failWith(status);
      await unavailable(isSigner(alice.fid, alice.signerHex));
      hub.failWith(null);
      expect(await isSigner(alice.fid, alice.signerHex)).toBe(true);
      expect(hub.requests).toHaveLength(2);
    },
  );

  it('throws UnavailableError when the hub hangs past the timeout', async () => {
    const hub = await standIn();
    hub.failWith('hang');
    const started = Date.now();
    await unavailable(check(hub, { timeoutMs: 150 })(alice.fid, alice.signerHex));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('throws UnavailableError when the hub is down', async () => {
    const hub = await startHubStandIn();
    const { url } = hub;
    await hub.close();
    const error = await unavailable(createHubSignerCheck({ hubUrl: url, cacheSeconds: 60 })(1, alice.signerHex));
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('throws UnavailableError for an unreadable 200 and for a bare 404 page (a wrong hub URL)', async () => {
    const hub = await standIn();
    hub.failWith(200);
    await unavailable(check(hub)(alice.fid, alice.signerHex));
    const snapchain = await standIn({ dialect: 'snapchain' });
    await unavailable(check(snapchain, { hubUrl: `${snapchain.url}/wrong` })(alice.fid, alice.signerHex));
  });

  it('searches Snapchain answers (signer ignored, all active signers listed), following pages', async () => {
    const hub = await standIn({ dialect: 'snapchain', pageSize: 2 });
    const keys = Array.from({ length: 5 }, () => createFrameSigner(4242));
    for (const k of keys) hub.register(k.fid, k.signerHex);
    const isSigner = check(hub);
    expect(await isSigner(4242, (keys[4] as (typeof keys)[number]).signerHex)).toBe(true);
    expect(hub.requests).toHaveLength(3);
    expect(await isSigner(4242, alice.signerHex)).toBe(false);
    expect(await isSigner(4242, (keys[0] as (typeof keys)[number]).signerHex)).toBe(true);
    hub.revoke(4242, (keys[0] as (typeof keys)[number]).signerHex);
    expect(await isSigner(4242, (keys[0] as (typeof keys)[number]).signerHex)).toBe(false);
    expect(await isSigner(1, alice.signerHex)).toBe(false);
  });

  it('accepts only an ADD event of an Ed25519 key equal to the one asked (hex or base64)', async () => {
    const key = alice.signerHex;
    const base64 = Buffer.from(key.slice(2), 'hex').toString('base64');
    const answers: [unknown, boolean][] = [
      [{ fid: 4242, signerEventBody: { key, keyType: 1, eventType: 'SIGNER_EVENT_TYPE_ADD' } }, true],
      [{ fid: 4242, signerEventBody: { key: base64, keyType: 1, eventType: 'SIGNER_EVENT_TYPE_ADD' } }, true],
      [{ fid: 4242, signerEventBody: { key, keyType: 1, eventType: 'SIGNER_EVENT_TYPE_REMOVE' } }, false],
      [{ fid: 4242, signerEventBody: { key, keyType: 2, eventType: 'SIGNER_EVENT_TYPE_ADD' } }, false],
      [{ fid: 4242, signerEventBody: { key: other.signerHex, keyType: 1, eventType: 'SIGNER_EVENT_TYPE_ADD' } }, false],
      [{ fid: 1, signerEventBody: { key, keyType: 1, eventType: 'SIGNER_EVENT_TYPE_ADD' } }, false],
      [
        {
          type: 'EVENT_TYPE_ID_REGISTER',
          fid: 4242,
          signerEventBody: { key, keyType: 1, eventType: 'SIGNER_EVENT_TYPE_ADD' },
        },
        false,
      ],
      [{ events: [] }, false],
    ];
    for (const [body, expected] of answers) {
      const fetch = async () => new Response(JSON.stringify(body), { status: 200 });
      const isSigner = createHubSignerCheck({ hubUrl: 'http://hub.invalid', cacheSeconds: 0, fetch });
      expect(await isSigner(4242, key)).toBe(expected);
    }
  });

  it('answers false without a request for an invalid fid or key', async () => {
    const hub = await standIn();
    const isSigner = check(hub);
    expect(await isSigner(0, alice.signerHex)).toBe(false);
    expect(await isSigner(-1, alice.signerHex)).toBe(false);
    expect(await isSigner(1.5, alice.signerHex)).toBe(false);
    expect(await isSigner(1, '0x1234')).toBe(false);
    expect(hub.requests).toHaveLength(0);
  });

  it('bounds the cache at 10,000 entries by evicting the oldest', async () => {
    const asked: string[] = [];
    const fetch = async (input: string | URL | Request) => {
      asked.push(String(input));
      return new Response(JSON.stringify({ errCode: 'not_found', metadata: { errcode: ['not_found'] } }), {
        status: 400,
      });
    };
    const isSigner = createHubSignerCheck({ hubUrl: 'http://hub.invalid/', cacheSeconds: 60, fetch });
    const key = (i: number) => `0x${i.toString(16).padStart(64, '0')}` as const;
    for (let i = 0; i < 10_001; i++) await isSigner(1, key(i));
    expect(asked).toHaveLength(10_001);
    expect(asked[0]).toBe(`http://hub.invalid/v1/onChainSignersByFid?fid=1&signer=${key(0)}`);
    await isSigner(1, key(10_000));
    await isSigner(1, key(1));
    expect(asked).toHaveLength(10_001);
    await isSigner(1, key(0));
    expect(asked).toHaveLength(10_002);
  });

  it('keeps registered signers cached while minted keys claiming any fid flood the negative cache', async () => {
    const asked: string[] = [];
    const real = `0x${'ee'.repeat(32)}` as const;
    const fetch = async (input: string | URL | Request) => {
      const url = new URL(String(input));
      asked.push(url.search);
      if (url.searchParams.get('signer') === real) {
        const event = { type: 'EVENT_TYPE_SIGNER', fid: 7, signerEventBody: { key: real, keyType: 1, eventType: 1 } };
        return new Response(JSON.stringify(event), { status: 200 });
      }
      return new Response(JSON.stringify({ errCode: 'not_found' }), { status: 400 });
    };
    const isSigner = createHubSignerCheck({ hubUrl: 'http://hub.invalid', cacheSeconds: 600, fetch });
    expect(await isSigner(7, real)).toBe(true);
    const minted = (i: number) => `0x${(i + 1).toString(16).padStart(64, '0')}` as const;
    for (let i = 0; i < 20_000; i++) expect(await isSigner(1 + (i % 5000), minted(i))).toBe(false);
    const before = asked.length;
    expect(await isSigner(7, real)).toBe(true);
    expect(asked).toHaveLength(before);
  });

  it('bounds concurrent hub lookups: cache misses beyond the cap answer 503 without asking the hub', async () => {
    const hub = await standIn();
    hub.failWith('hang');
    const isSigner = check(hub, { maxConcurrentLookups: 4, timeoutMs: 300 });
    const key = (i: number) => `0x${(i + 1).toString(16).padStart(64, '0')}` as const;
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => isSigner(100 + i, key(i))));
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof UnavailableError)).toBe(true);
    expect(hub.requests.length).toBeLessThanOrEqual(4);
    hub.failWith(null);
    hub.register(100, key(0));
    expect(await isSigner(100, key(0))).toBe(true);
  });
});
