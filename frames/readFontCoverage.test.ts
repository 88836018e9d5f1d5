import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { readFontCoverage } from './readFontCoverage.ts';

const require = createRequire(import.meta.url);
const font = async (specifier: string) => new Uint8Array(await readFile(require.resolve(specifier)));

describe('readFontCoverage', () => {
  it('reads the cmap of a WOFF font (zlib-compressed tables)', async () => {
    const latin = await readFontCoverage(await font('@fontsource/inter/files/inter-latin-400-normal.woff'));
    expect(latin.has(0x41)).toBe(true);
    expect(latin.has(0xe9)).toBe(true);
    expect(latin.has(0x3a9)).toBe(false);
    expect(latin.has(0x4e2d)).toBe(false);
    expect(latin.has(0x1f3b8)).toBe(false);
    const greek = await readFontCoverage(await font('@fontsource/inter/files/inter-greek-400-normal.woff'));
    expect(greek.has(0x3a9)).toBe(true);
  });

  it('reads the cmap of a TrueType font', async () => {
    const noto = await readFontCoverage(
      new Uint8Array(
        await readFile(new URL('../node_modules/@vercel/og/dist/noto-sans-v27-latin-regular.ttf', import.meta.url)),
      ),
    );
    expect(noto.has(0x61)).toBe(true);
    expect(noto.has(0x4e2d)).toBe(false);
  });

  it('refuses WOFF2 and non-font bytes', async () => {
    await expect(readFontCoverage(new TextEncoder().encode('wOF2 and then some'))).rejects.toThrow(/WOFF2/);
    await expect(readFontCoverage(new TextEncoder().encode('not a font at all'))).rejects.toThrow(/not a font/);
  });
});
