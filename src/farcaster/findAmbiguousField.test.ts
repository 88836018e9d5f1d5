import { describe, expect, it } from 'vitest';
import { createFrameSigner, prependForgedData } from '../../scripts/support/frameActions.ts';
import { findAmbiguousField } from './findAmbiguousField.ts';

function varint(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    if (n < 0x80) return [...out, n];
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
}
const len = (field: number, ...payload: number[][]): number[] => {
  const bytes = payload.flat();
  return [...varint(field * 8 + 2), ...varint(bytes.length), ...bytes];
};
const num = (field: number, value: number): number[] => [...varint(field * 8), ...varint(value)];
const frameBody = (...extra: number[][]) =>
  len(16, len(1, [0x68, 0x69]), num(2, 1), len(3, num(1, 7), len(2, [1])), ...extra);
const data = (...extra: number[][]) => len(1, num(1, 13), num(2, 4242), num(3, 1000), num(4, 1), frameBody(), ...extra);
const envelope = (...fields: number[][]) => new Uint8Array(fields.flat());

describe('findAmbiguousField', () => {
  it('accepts a genuine signed frame action', async () => {
    const signed = await createFrameSigner(1).sign({
      url: 'https://a.example',
      buttonIndex: 1,
      address: `0x${'11'.repeat(20)}`,
    });
    expect(findAmbiguousField(Buffer.from(signed.messageBytesHex, 'hex'))).toBeNull();
  });

  it('finds a second data field put before the genuine one', async () => {
    const signed = await createFrameSigner(1).sign({ url: 'https://a.example', buttonIndex: 1 });
    const forged = prependForgedData(signed, { address: `0x${'22'.repeat(20)}` });
    expect(findAmbiguousField(Buffer.from(forged.messageBytesHex, 'hex'))).toBe('Message.data: repeated');
  });

  it('finds repeats at every level of data, unknown fields and wrong wire types', () => {
    expect(findAmbiguousField(envelope(data(), len(2, [1, 2])))).toBeNull();
    expect(findAmbiguousField(envelope(data(), num(3, 1), num(3, 1)))).toBe('Message.hashScheme: repeated');
    expect(findAmbiguousField(envelope(data(num(2, 1))))).toBe('Message.data.fid: repeated');
    expect(findAmbiguousField(envelope(len(1, frameBody(len(7, [9]), len(7, [9])))))).toBe(
      'Message.data.frameActionBody.address: repeated',
    );
    expect(findAmbiguousField(envelope(len(1, len(16, len(3, num(1, 7), num(1, 8))))))).toBe(
      'Message.data.frameActionBody.castId.fid: repeated',
    );
    expect(findAmbiguousField(envelope(data(len(5, [1]))))).toBe('Message.data: unknown field 5');
    expect(findAmbiguousField(envelope(data(), num(99, 1)))).toBe('Message: unknown field 99');
    expect(findAmbiguousField(envelope(num(1, 5)))).toBe('Message.data: wire type 0');
  });

  it('leaves the opaque dataBytes alone (they are hashed, and decoded only by us)', () => {
    expect(findAmbiguousField(envelope(len(7, num(2, 1), num(2, 2))))).toBeNull();
  });

  it('reports truncated input instead of reading past the end', () => {
    expect(findAmbiguousField(new Uint8Array([0x0a, 0x05, 0x08]))).toBe('Message.data: length past the end');
    expect(findAmbiguousField(new Uint8Array([0x18, 0x80]))).toBe('Message.hashScheme: truncated varint');
    expect(findAmbiguousField(new Uint8Array([0x80]))).toBe('Message: truncated tag');
    expect(findAmbiguousField(new Uint8Array([]))).toBeNull();
  });
});
