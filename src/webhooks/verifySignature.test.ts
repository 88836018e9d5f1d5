import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSignatureVerifier, signNeynarBody } from './verifySignature.ts';

const body = new TextEncoder().encode('{"type":"cast.created"}');

describe('createSignatureVerifier', () => {
  it('accepts the hex HMAC-SHA512 that node:crypto computes independently', async () => {
    const expected = createHmac('sha512', 'secret-one-0123456789').update(body).digest('hex');
    expect(await signNeynarBody('secret-one-0123456789', body)).toBe(expected);
    const verify = createSignatureVerifier(['secret-one-0123456789']);
    expect(await verify(body, expected)).toBe(true);
  });

  it('accepts any configured secret and rejects everything else', async () => {
    const verify = createSignatureVerifier(['secret-one-0123456789', 'secret-two-0123456789']);
    const two = await signNeynarBody('secret-two-0123456789', body);
    expect(await verify(body, two)).toBe(true);
    expect(await verify(body, await signNeynarBody('secret-three-0123456', body))).toBe(false);
    expect(await verify(body, undefined)).toBe(false);
    expect(await verify(body, two.slice(0, 127))).toBe(false);
    expect(await verify(body, `${two}00`)).toBe(false);
    expect(
      await verify(
        body,
        two.replace(/^./, (c) => (c === '0' ? '1' : '0')),
      ),
    ).toBe(false);
    expect(await verify(new TextEncoder().encode('{"type":"cast.deleted"}'), two)).toBe(false);
  });

  it('refuses to be built without a secret', () => {
    expect(() => createSignatureVerifier([])).toThrow('at least one webhook secret is required');
  });
});
