import { randomBytes } from 'node:crypto';
import { createJsonFarcasterSignature } from '@farcaster/miniapp-node';
import { ed25519 } from '@noble/curves/ed25519';
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../errors.ts';
import { readWebhookEnvelope } from './readWebhookEnvelope.ts';

const newAppKey = () => {
  const privateKey = new Uint8Array(randomBytes(32));
  return { privateKey, hex: `0x${Buffer.from(ed25519.getPublicKey(privateKey)).toString('hex')}` };
};
const signEvent = (fid: number, key: { privateKey: Uint8Array }, event: unknown) =>
  createJsonFarcasterSignature({
    fid,
    type: 'app_key',
    privateKey: key.privateKey,
    payload: new TextEncoder().encode(JSON.stringify(event)),
  });

describe('readWebhookEnvelope', () => {
  it('reads the fid and the lowercase app key of a well-formed envelope', () => {
    const key = newAppKey();
    const envelope = readWebhookEnvelope(signEvent(7, key, { event: 'miniapp_added' }), new Date());
    expect(envelope).toMatchObject({ fid: 7, appKey: key.hex, eventTime: null });
  });

  it('refuses what is not a JSON Farcaster Signature with a short 400', () => {
    const good = signEvent(7, newAppKey(), { event: 'miniapp_added' });
    for (const body of [
      null,
      'x',
      { ...good, signature: undefined },
      { ...good, header: '!!' },
      { ...good, payload: 'bm9wZQ' },
    ]) {
      expect(() => readWebhookEnvelope(body, new Date())).toThrow(BadRequestError);
    }
  });

  it('takes a timestamp in seconds or milliseconds, never later than now', () => {
    const key = newAppKey();
    const now = new Date('2026-11-30T12:00:00Z');
    const at = (timestamp: number) =>
      readWebhookEnvelope(signEvent(1, key, { event: 'miniapp_removed', timestamp }), now).eventTime?.toISOString();
    expect(at(1_764_500_000)).toBe(new Date(1_764_500_000_000).toISOString());
    expect(at(1_764_500_000_123)).toBe(new Date(1_764_500_000_123).toISOString());
    expect(at(9_999_999_999)).toBe(now.toISOString());
    expect(readWebhookEnvelope(signEvent(1, key, { event: 'miniapp_removed' }), now).eventTime).toBeNull();
  });
});
