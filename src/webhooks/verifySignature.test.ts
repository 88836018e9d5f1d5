import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeWebhookCrypto } from './nodeWebhookCrypto.ts';
import { signNeynarBody } from './verifySignature.ts';
import { webWebhookCrypto } from './webhookCrypto.ts';

const body = new TextEncoder().encode('{"type":"cast.created"}');

describe('signNeynarBody', () => {
  it('equals the hex HMAC-SHA512 node:crypto computes independently', async () => {
    const expected = createHmac('sha512', 'secret-one-0123456789').update(body).digest('hex');
    expect(await signNeynarBody('secret-one-0123456789', body)).toBe(expected);
  });
});

describe.each([
  ['WebCrypto', webWebhookCrypto],
  ['node:crypto', nodeWebhookCrypto],
])('webhook crypto (%s)', (_name, impl) => {
  it('accepts a correct signature under any configured secret and rejects everything else', async () => {
    const verify = impl.createVerifier(['secret-one-0123456789', 'secret-two-0123456789']);
    const one = await signNeynarBody('secret-one-0123456789', body);
    const two = await signNeynarBody('secret-two-0123456789', body);
    expect(await verify(body, one)).toBe(true);
    expect(await verify(body, two)).toBe(true);
    expect(await verify(body, await signNeynarBody('secret-three-0123456', body))).toBe(false);
    expect(await verify(body, undefined)).toBe(false);
    expect(await verify(body, '')).toBe(false);
    expect(await verify(body, two.slice(0, 127))).toBe(false);
    expect(await verify(body, `${two}00`)).toBe(false);
    expect(await verify(body, two.toUpperCase())).toBe(false);
    expect(
      await verify(
        body,
        two.replace(/^./, (c) => (c === '0' ? '1' : '0')),
      ),
    ).toBe(false);
    expect(await verify(new TextEncoder().encode('{"type":"cast.deleted"}'), two)).toBe(false);
  });

  it('hashes the body with SHA-256', async () => {
    expect(await impl.sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('refuses to be built without a secret', () => {
    expect(() => impl.createVerifier([])).toThrow('at least one webhook secret is required');
  });
});
