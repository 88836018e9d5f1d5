import { initWasm, Resvg } from '@resvg/resvg-wasm';
import satori from 'satori';
import type { Card, TextCleaner } from './buildCards.ts';
import { drawCard, IMAGE_HEIGHT, IMAGE_WIDTH, type ImageNode, LAYOUT_VERSION } from './drawCard.ts';
import { readFontCoverage } from './readFontCoverage.ts';
import { sanitizeText } from './sanitizeText.ts';

/** A bundled font for frame images (TTF, OTF or WOFF bytes). Give each script subset its own `name`: satori falls
 * back across names listed in font-family, not across files that share one name. */
export interface FrameFont {
  name: string;
  data: ArrayBuffer;
  weight: 100 | 200 | 300 | 400 | 500 | 600 | 700 | 800 | 900;
  style: 'normal' | 'italic';
}

/** The bundled fonts, or how to load them on first use (the Node host reads them from disk only when a card is drawn). */
export type FrameFontSource = readonly FrameFont[] | (() => Promise<readonly FrameFont[]>);

/** The resvg WebAssembly binary (bytes or a compiled module). */
export type ResvgWasm = ArrayBuffer | Uint8Array | WebAssembly.Module;

/** Draws cards to PNG, fully offline. */
export interface CardRenderer {
  /** Reduce user text to glyphs the bundled fonts have (see sanitizeText). */
  clean: TextCleaner;
  /** Content version of a card: a short hash of the card, the layout version and the fonts. */
  version(card: Card): Promise<string>;
  /** PNG bytes of a card (1200x630). */
  render(card: Card): Promise<Uint8Array>;
  /** The bundled font names in fallback order, for other drawings (the mini app's 3:2 embed card, its icons). */
  fontFamily: string;
  /** Content version of any drawing's inputs (layout and fonts included), like `version`. */
  versionOf(input: unknown): Promise<string>;
  /** PNG bytes of any element tree at the given size, with the same fonts and rasteriser. */
  renderNode(node: ImageNode, size: { width: number; height: number }): Promise<Uint8Array>;
  /** The RGBA pixels of any element tree (for encoders that need them, e.g. a PNG without an alpha channel). */
  renderPixels(node: ImageNode, size: { width: number; height: number }): Promise<Uint8Array>;
}

/** Build the renderer: satori lays out the card with the given fonts only (no `loadAdditionalAsset`, so it never
 * looks for fallback fonts or emoji images on the network; text is sanitized to the fonts' glyphs first), then resvg
 * (WebAssembly) rasterises the SVG. Initialisation (font coverage, resvg) happens once, on first use. */
export function createCardRenderer(options: {
  fonts: FrameFontSource;
  loadResvgWasm: () => Promise<ResvgWasm>;
}): () => Promise<CardRenderer> {
  if (typeof options.fonts !== 'function') assertSomeFont(options.fonts);
  let ready: Promise<CardRenderer> | undefined;
  return () => {
    ready ??= init(options).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };
}

function assertSomeFont(fonts: readonly FrameFont[]): void {
  if (fonts.length === 0) throw new TypeError('frame images need at least one bundled font');
}

let resvgReady: Promise<void> | undefined;

/** resvg's WebAssembly instance is process-wide and refuses a second initialisation (Frog's own image route may
 * have done it already). */
async function initResvg(load: () => Promise<ResvgWasm>): Promise<void> {
  resvgReady ??= (async () => {
    try {
      await initWasm(await load());
    } catch (error) {
      if (!(error instanceof Error && /already initialized/i.test(error.message))) throw error;
    }
  })().catch((error: unknown) => {
    resvgReady = undefined;
    throw error;
  });
  return resvgReady;
}

async function init(options: { fonts: FrameFontSource; loadResvgWasm: () => Promise<ResvgWasm> }) {
  const loaded = typeof options.fonts === 'function' ? await options.fonts() : options.fonts;
  assertSomeFont(loaded);
  const coverages = await Promise.all(loaded.map((f) => readFontCoverage(f.data)));
  const covered = new Set<number>();
  for (const set of coverages) for (const codePoint of set) covered.add(codePoint);
  covered.add(0x20);
  await initResvg(options.loadResvgWasm);

  // satori caches parsed fonts by the identity of this array: keep one for the process.
  const fonts = loaded.map((f) => ({ name: f.name, data: f.data, weight: f.weight, style: f.style }));
  const fontFamily = [...new Set(loaded.map((f) => f.name))].join(', ');
  const fingerprint = JSON.stringify(loaded.map((f) => [f.name, f.weight, f.style, f.data.byteLength]));
  const clean: TextCleaner = (value, maxChars) => sanitizeText(value, (c) => covered.has(c), maxChars);

  const versionOf = async (input: unknown) => {
    const digest = await crypto.subtle.digest(
      'SHA-256',
      new TextEncoder().encode(JSON.stringify([LAYOUT_VERSION, fingerprint, input])),
    );
    return Array.from(new Uint8Array(digest, 0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  };
  const renderNode = async (node: ImageNode, size: { width: number; height: number }) => {
    const svg = await satori(node, { width: size.width, height: size.height, fonts });
    const resvg = new Resvg(svg, { fitTo: { mode: 'original' } });
    try {
      const image = resvg.render();
      try {
        return image.asPng();
      } finally {
        image.free();
      }
    } finally {
      resvg.free();
    }
  };

  const renderPixels = async (node: ImageNode, size: { width: number; height: number }) => {
    const svg = await satori(node, { width: size.width, height: size.height, fonts });
    const resvg = new Resvg(svg, { fitTo: { mode: 'original' } });
    try {
      const image = resvg.render();
      try {
        return new Uint8Array(image.pixels);
      } finally {
        image.free();
      }
    } finally {
      resvg.free();
    }
  };

  const renderer: CardRenderer = {
    clean,
    fontFamily,
    versionOf,
    renderNode,
    renderPixels,
    version: (card) => versionOf(card),
    render: (card) => renderNode(drawCard(card, fontFamily), { width: IMAGE_WIDTH, height: IMAGE_HEIGHT }),
  };
  return renderer;
}
