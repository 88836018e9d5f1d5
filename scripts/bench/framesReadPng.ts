import { inflateSync } from 'node:zlib';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/** Width and height from a PNG's IHDR chunk, or null unless the bytes start with the PNG signature and IHDR.
 * https://www.w3.org/TR/png-3/#5PNG-file-signature */
export function readPngSize(bytes: Uint8Array): { width: number; height: number } | null {
  if (bytes.length < 24 || !SIGNATURE.every((b, i) => bytes[i] === b)) return null;
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Decoded pixels of an 8-bit, non-interlaced PNG (grey, grey+alpha, RGB or RGBA), row by row without filter bytes. */
export interface PngPixels {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Decode the pixels of a PNG as resvg writes them (8-bit, no interlace, no palette): inflate the IDAT stream and
 * undo each row's filter. https://www.w3.org/TR/png-3/#9Filters */
export function decodePng(bytes: Uint8Array): PngPixels {
  const size = readPngSize(bytes);
  if (size === null) throw new Error('not a PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const depth = bytes[24];
  const channels = CHANNELS[bytes[25] ?? -1];
  if (depth !== 8 || channels === undefined || bytes[28] !== 0) throw new Error('only 8-bit non-interlaced PNGs');
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = size.width * channels;
  const data = new Uint8Array(stride * size.height);
  for (let y = 0; y < size.height; y++) {
    const filter = raw[y * (stride + 1)];
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= channels ? (data[row + x - channels] ?? 0) : 0;
      const up = y > 0 ? (data[row - stride + x] ?? 0) : 0;
      const upLeft = y > 0 && x >= channels ? (data[row - stride + x - channels] ?? 0) : 0;
      const predictor =
        filter === 0
          ? 0
          : filter === 1
            ? left
            : filter === 2
              ? up
              : filter === 3
                ? (left + up) >> 1
                : paeth(left, up, upLeft);
      data[row + x] = (value + predictor) & 0xff;
    }
  }
  return { ...size, channels, data };
}

/** How two decoded images differ: pixels with any channel different, and the largest channel difference. */
export function comparePixels(
  a: PngPixels,
  b: PngPixels,
): { sameSize: boolean; differingPixels: number; maxDelta: number } {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    return { sameSize: false, differingPixels: Number.NaN, maxDelta: Number.NaN };
  }
  let differingPixels = 0;
  let maxDelta = 0;
  for (let p = 0; p < a.data.length; p += a.channels) {
    let differs = false;
    for (let c = 0; c < a.channels; c++) {
      const delta = Math.abs((a.data[p + c] ?? 0) - (b.data[p + c] ?? 0));
      if (delta > 0) differs = true;
      if (delta > maxDelta) maxDelta = delta;
    }
    if (differs) differingPixels++;
  }
  return { sameSize: true, differingPixels, maxDelta };
}
