/** The Unicode code points a font maps to a real glyph, read from its `cmap` table (formats 4 and 12, any Unicode
 * encoding). Accepts TrueType/OpenType (sfnt) and WOFF 1.0 (zlib-compressed tables); WOFF2 is refused, as satori
 * cannot draw it either. Used so frame images only ever ask the renderer for glyphs it has: a missing glyph would
 * make satori-based renderers look for a fallback font or emoji on the network.
 * https://learn.microsoft.com/typography/opentype/spec/cmap, https://www.w3.org/TR/WOFF/ */
export async function readFontCoverage(font: ArrayBuffer | Uint8Array): Promise<Set<number>> {
  const bytes = font instanceof Uint8Array ? font : new Uint8Array(font);
  const cmap = await readTable(bytes, 'cmap');
  if (cmap === null) throw new Error('font has no cmap table');
  return readCmap(cmap);
}

const SFNT_VERSIONS = new Set([0x00010000, 0x74727565 /* true */, 0x4f54544f /* OTTO */]);
const WOFF = 0x774f4646;
const WOFF2 = 0x774f4632;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function tagAt(v: DataView, offset: number): string {
  return String.fromCharCode(
    v.getUint8(offset),
    v.getUint8(offset + 1),
    v.getUint8(offset + 2),
    v.getUint8(offset + 3),
  );
}

async function readTable(bytes: Uint8Array, tag: string): Promise<Uint8Array | null> {
  const v = view(bytes);
  const signature = v.getUint32(0);
  if (SFNT_VERSIONS.has(signature)) {
    const numTables = v.getUint16(4);
    for (let i = 0; i < numTables; i++) {
      const record = 12 + i * 16;
      if (tagAt(v, record) !== tag) continue;
      const offset = v.getUint32(record + 8);
      return bytes.subarray(offset, offset + v.getUint32(record + 12));
    }
    return null;
  }
  if (signature === WOFF) {
    const numTables = v.getUint16(12);
    for (let i = 0; i < numTables; i++) {
      const entry = 44 + i * 20;
      if (tagAt(v, entry) !== tag) continue;
      const offset = v.getUint32(entry + 4);
      const compLength = v.getUint32(entry + 8);
      const origLength = v.getUint32(entry + 12);
      const stored = bytes.subarray(offset, offset + compLength);
      if (compLength === origLength) return stored;
      const inflated = await inflate(stored);
      if (inflated.byteLength !== origLength) throw new Error(`font ${tag} table inflates to the wrong length`);
      return inflated;
    }
    return null;
  }
  if (signature === WOFF2) throw new Error('WOFF2 fonts are not supported; use TTF, OTF or WOFF');
  throw new Error('not a font file (expected TTF, OTF or WOFF)');
}

/** zlib inflate with the Compression Streams API (Node 18+ and Workers alike). */
async function inflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function readCmap(table: Uint8Array): Set<number> {
  const v = view(table);
  const covered = new Set<number>();
  const numTables = v.getUint16(2);
  const seen = new Set<number>();
  for (let i = 0; i < numTables; i++) {
    const record = 4 + i * 8;
    const platform = v.getUint16(record);
    const encoding = v.getUint16(record + 2);
    const offset = v.getUint32(record + 4);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (!unicode || seen.has(offset)) continue;
    seen.add(offset);
    const format = v.getUint16(offset);
    if (format === 4) readFormat4(v, offset, covered);
    else if (format === 12) readFormat12(v, offset, covered);
  }
  return covered;
}

function readFormat4(v: DataView, offset: number, covered: Set<number>): void {
  const segCount = v.getUint16(offset + 6) / 2;
  const ends = offset + 14;
  const starts = ends + segCount * 2 + 2;
  const deltas = starts + segCount * 2;
  const rangeOffsets = deltas + segCount * 2;
  for (let s = 0; s < segCount; s++) {
    const end = v.getUint16(ends + s * 2);
    const start = v.getUint16(starts + s * 2);
    const delta = v.getInt16(deltas + s * 2);
    const rangeOffsetAt = rangeOffsets + s * 2;
    const rangeOffset = v.getUint16(rangeOffsetAt);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      let glyph: number;
      if (rangeOffset === 0) glyph = (c + delta) & 0xffff;
      else {
        const at = rangeOffsetAt + rangeOffset + (c - start) * 2;
        if (at + 2 > v.byteLength) continue;
        glyph = v.getUint16(at);
        if (glyph !== 0) glyph = (glyph + delta) & 0xffff;
      }
      if (glyph !== 0) covered.add(c);
    }
  }
}

function readFormat12(v: DataView, offset: number, covered: Set<number>): void {
  const groups = v.getUint32(offset + 12);
  for (let g = 0; g < groups; g++) {
    const group = offset + 16 + g * 12;
    const start = v.getUint32(group);
    const end = Math.min(v.getUint32(group + 4), 0x10ffff);
    const startGlyph = v.getUint32(group + 8);
    for (let c = start; c <= end; c++) if (startGlyph + (c - start) !== 0) covered.add(c);
  }
}
