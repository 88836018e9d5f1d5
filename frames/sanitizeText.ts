/** Reduce user text (titles, names) to what a frame image can draw offline with the bundled fonts: NFC, every kind
 * of whitespace folded to one space, and dropped: combining marks (satori does not position them), control and
 * format characters (bidi overrides, zero-width joiners), emoji and pictographs, and any code point the fonts have
 * no glyph for. Capped at `maxChars` code points with an ellipsis. Pure. */
export function sanitizeText(text: string, covers: (codePoint: number) => boolean, maxChars: number): string {
  let out = '';
  let pendingSpace = false;
  for (const ch of text.normalize('NFC')) {
    if (WHITESPACE.test(ch)) {
      pendingSpace = out.length > 0;
      continue;
    }
    if (DROPPED.test(ch)) continue;
    const codePoint = ch.codePointAt(0);
    if (codePoint === undefined || !covers(codePoint)) continue;
    if (pendingSpace) out += ' ';
    pendingSpace = false;
    out += ch;
  }
  const chars = Array.from(out);
  if (chars.length <= maxChars) return out;
  const ellipsis = covers(0x2026) ? '\u2026' : '...';
  return `${chars
    .slice(0, Math.max(0, maxChars - Array.from(ellipsis).length))
    .join('')
    .trimEnd()}${ellipsis}`;
}

const WHITESPACE = /^[\s\u2028\u2029]$/u;
const DROPPED = /^[\p{M}\p{C}\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}]$/u;
