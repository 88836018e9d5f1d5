import { afterEach, describe, expect, it } from 'vitest';
import { type HubStandIn, type HubStandInOptions, startHubStandIn } from '../../scripts/devnet/hubStandIn.ts';
import { UnavailableError } from '../errors.ts';
import {
  createHubVerificationCheck,
  type HubVerificationCheckOptions,
  normalizeVerifiedAddress,
} from './createHubVerificationCheck.ts';

const open: HubStandIn[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

async function standIn(options: HubStandInOptions = {}): Promise<HubStandIn> {
  const hub = await startHubStandIn(options);
  open.push(hub);
  return hub;
}

function check(hub: HubStandIn, overrides: Partial<HubVerificationCheckOptions> = {}) {
  return createHubVerificationCheck({ hubUrl: hub.url, cacheSeconds: 0, ...overrides });
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

const FID = 4242;
const victim = '0x1111111111111111111111111111111111111111' as const;
const mine = '0xAbCdEf0123456789abcdef0123456789ABCDEF01' as const;

describe('createHubVerificationCheck', () => {
  it.each([
    ['hubble', {}],
    ['hubble without the hex transform (protobuf JSON, base64)', { addressEncoding: 'base64' as const }],
    ['snapchain', { dialect: 'snapchain' as const }],
  ])("accepts only the fid's own verified addresses (%s)", async (_name, options) => {
    const hub = await standIn(options);
    hub.verify(FID, mine);
    hub.verify(FID + 1, victim);
    const isVerified = check(hub);
    expect(await isVerified(FID, mine)).toBe(true);
    expect(await isVerified(FID, mine.toLowerCase() as `0x${string}`)).toBe(true);
    // The attack: another fid's address, signed into this fid's action.
    expect(await isVerified(FID, victim)).toBe(false);
    expect(await isVerified(FID + 1, victim)).toBe(true);
    expect(await isVerified(999, mine)).toBe(false);
    expect(hub.verificationRequests[0]).toEqual({ fid: String(FID), pageToken: null, apiKey: null });
  });

  it('follows Snapchain pages', async () => {
    const hub = await standIn({ dialect: 'snapchain', pageSize: 2 });
    for (let i = 0; i < 5; i++) hub.verify(FID, `0x${String(i).repeat(40)}`);
    expect(await check(hub)(FID, `0x${'4'.repeat(40)}`)).toBe(true);
    expect(hub.verificationRequests.map((r) => r.pageToken === null)).toEqual([true, false, false]);
  });

  it('refuses an address once its verification is removed, after the cached list expires', async () => {
    const hub = await standIn();
    hub.verify(FID, mine);
    let clock = 0;
    const isVerified = check(hub, { cacheSeconds: 300, now: () => clock });
    expect(await isVerified(FID, mine)).toBe(true);
    hub.unverify(FID, mine);
    clock = 299_999;
    expect(await isVerified(FID, mine)).toBe(true);
    clock = 300_000;
    expect(await isVerified(FID, mine)).toBe(false);
    expect(hub.verificationRequests).toHaveLength(2);
  });

  it('caches the list per fid, asks again for a missing address after at most 60 s, and shares one request', async () => {
    const hub = await standIn();
    hub.verify(FID, mine);
    let clock = 0;
    const isVerified = check(hub, { cacheSeconds: 600, now: () => clock });
    const answers = await Promise.all([isVerified(FID, mine), isVerified(FID, victim), isVerified(FID, mine)]);
    expect(answers).toEqual([true, false, true]);
    expect(hub.verificationRequests).toHaveLength(1);
    expect(await isVerified(FID, victim)).toBe(false);
    expect(hub.verificationRequests).toHaveLength(1);
    hub.verify(FID, victim);
    clock = 60_000;
    expect(await isVerified(FID, victim)).toBe(true);
    expect(hub.verificationRequests).toHaveLength(2);
  });

  it('sends the API key as x-api-key and keeps it out of errors', async () => {
    const hub = await standIn();
    hub.verify(FID, mine);
    const isVerified = check(hub, { apiKey: 'secret-hub-key-123' });
    expect(await isVerified(FID, mine)).toBe(true);
    expect(hub.verificationRequests[0]?.apiKey).toBe('secret-hub-key-123');
    hub.failWith(401);
    const error = await unavailable(isVerified(FID, mine));
    expect(`${error.message} ${String(error.cause)} ${JSON.stringify(error)}`).not.toContain('secret-hub-key');
  });

  it('is unavailable (503), never "verified", when the hub is down, failing, hanging or answers garbage', async () => {
    const hub = await standIn();
    hub.verify(FID, mine);
    for (const status of [429, 500, 502] as const) {
      hub.failWith(status);
      await unavailable(check(hub)(FID, mine));
    }
    hub.failWith('hang');
    await unavailable(check(hub, { timeoutMs: 100 })(FID, mine));
    hub.failWith(null);
    await unavailable(check(hub, { hubUrl: `${hub.url}/wrong-prefix` })(FID, mine));
    await unavailable(check({ ...hub, url: 'http://127.0.0.1:9' })(FID, mine));
    const garbage = createHubVerificationCheck({
      hubUrl: hub.url,
      cacheSeconds: 0,
      fetch: async () => new Response('{"messages":"nope"}', { status: 200 }),
    });
    await unavailable(garbage(FID, mine));
  });

  it('bounds concurrent hub lookups: misses beyond the cap answer 503 without asking the hub', async () => {
    const hub = await standIn();
    hub.failWith('hang');
    const isVerified = check(hub, { timeoutMs: 200, maxConcurrentLookups: 2 });
    const first = [isVerified(1, mine), isVerified(2, mine)];
    await unavailable(isVerified(3, mine));
    await Promise.all(first.map((p) => unavailable(p)));
    expect(hub.verificationRequests.map((r) => r.fid)).toEqual(['1', '2']);
  });

  it('does not cache failures', async () => {
    const hub = await standIn();
    hub.verify(FID, mine);
    const isVerified = check(hub, { cacheSeconds: 600 });
    hub.failWith(503);
    await unavailable(isVerified(FID, mine));
    hub.failWith(null);
    expect(await isVerified(FID, mine)).toBe(true);
  });

  it('ignores messages of another type, another fid or another protocol, and answers false for bad input', async () => {
    const message = (data: Record<string, unknown>) => ({ data: { fid: FID, ...data } });
    const body = {
      messages: [
        message({ type: 'MESSAGE_TYPE_CAST_ADD', verificationAddAddressBody: { address: mine } }),
        message({
          type: 'MESSAGE_TYPE_VERIFICATION_ADD_ETH_ADDRESS',
          fid: 1,
          verificationAddAddressBody: { address: victim },
        }),
        message({
          type: 'MESSAGE_TYPE_VERIFICATION_ADD_ETH_ADDRESS',
          verificationAddAddressBody: { address: victim, protocol: 'PROTOCOL_SOLANA' },
        }),
        message({
          type: 'MESSAGE_TYPE_VERIFICATION_ADD_ETH_ADDRESS',
          verificationAddEthAddressBody: { address: mine },
        }),
      ],
      nextPageToken: '',
    };
    const isVerified = createHubVerificationCheck({
      hubUrl: 'http://hub.invalid',
      cacheSeconds: 0,
      fetch: async () => Response.json(body),
    });
    expect(await isVerified(FID, mine)).toBe(true);
    expect(await isVerified(FID, victim)).toBe(false);
    expect(await isVerified(0, mine)).toBe(false);
    expect(await isVerified(FID, '0x12' as `0x${string}`)).toBe(false);
  });
});

describe('normalizeVerifiedAddress', () => {
  it('reads 0x hex and base64 of 20 bytes, nothing else', () => {
    expect(normalizeVerifiedAddress(mine)).toBe(mine.toLowerCase());
    expect(normalizeVerifiedAddress(Buffer.from(mine.slice(2), 'hex').toString('base64'))).toBe(mine.toLowerCase());
    expect(normalizeVerifiedAddress('7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV')).toBeNull();
    expect(normalizeVerifiedAddress(Buffer.alloc(32).toString('base64'))).toBeNull();
    expect(normalizeVerifiedAddress('0x1234')).toBeNull();
  });
});
