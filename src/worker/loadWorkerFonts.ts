import cyrillic400 from '@fontsource/inter/files/inter-cyrillic-400-normal.woff';
import cyrillic700 from '@fontsource/inter/files/inter-cyrillic-700-normal.woff';
import cyrillicExt400 from '@fontsource/inter/files/inter-cyrillic-ext-400-normal.woff';
import cyrillicExt700 from '@fontsource/inter/files/inter-cyrillic-ext-700-normal.woff';
import greek400 from '@fontsource/inter/files/inter-greek-400-normal.woff';
import greek700 from '@fontsource/inter/files/inter-greek-700-normal.woff';
import latin400 from '@fontsource/inter/files/inter-latin-400-normal.woff';
import latin700 from '@fontsource/inter/files/inter-latin-700-normal.woff';
import latinExt400 from '@fontsource/inter/files/inter-latin-ext-400-normal.woff';
import latinExt700 from '@fontsource/inter/files/inter-latin-ext-700-normal.woff';
import vietnamese400 from '@fontsource/inter/files/inter-vietnamese-400-normal.woff';
import vietnamese700 from '@fontsource/inter/files/inter-vietnamese-700-normal.woff';
import type { FrameFont } from '../../frames/createCardRenderer.ts';

/** [subset, regular, bold] in frames/loadFrameFonts.ts's fallback order. */
const SUBSETS: readonly [string, ArrayBuffer, ArrayBuffer][] = [
  ['latin', latin400, latin700],
  ['latin-ext', latinExt400, latinExt700],
  ['greek', greek400, greek700],
  ['cyrillic', cyrillic400, cyrillic700],
  ['cyrillic-ext', cyrillicExt400, cyrillicExt700],
  ['vietnamese', vietnamese400, vietnamese700],
];

/** Workers host: the same @fontsource/inter WOFF files as the Node host's loadFrameFonts (same names, weights and
 * order, so a card has the same content version on both hosts), bundled as Data modules: no file system, no fetch. */
export function loadWorkerFonts(): FrameFont[] {
  return SUBSETS.flatMap(([subset, regular, bold]) => [
    { name: `Inter ${subset}`, data: regular, weight: 400 as const, style: 'normal' as const },
    { name: `Inter ${subset}`, data: bold, weight: 700 as const, style: 'normal' as const },
  ]);
}
