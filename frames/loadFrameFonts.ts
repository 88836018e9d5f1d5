import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { FrameFont } from './createCardRenderer.ts';

/** Inter's script subsets, in fallback order (each is a separate font name so satori falls back across them). */
const SUBSETS = ['latin', 'latin-ext', 'greek', 'cyrillic', 'cyrillic-ext', 'vietnamese'] as const;
const WEIGHTS = [400, 700] as const;

/** Node host: the frame image fonts, read from the bundled @fontsource/inter WOFF files (OFL-1.1), regular and bold
 * for Latin, Latin Extended, Greek, Cyrillic and Vietnamese. Nothing is fetched. */
export async function loadFrameFonts(): Promise<FrameFont[]> {
  const require = createRequire(import.meta.url);
  return Promise.all(
    SUBSETS.flatMap((subset) =>
      WEIGHTS.map(async (weight) => {
        const file = require.resolve(`@fontsource/inter/files/inter-${subset}-${weight}-normal.woff`);
        const bytes = await readFile(file);
        const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        return { name: `Inter ${subset}`, data, weight, style: 'normal' as const };
      }),
    ),
  );
}
