import type { PerformanceCard } from '../../frames/buildCards.ts';
import { drawCard, IMAGE_HEIGHT, IMAGE_WIDTH, type ImageNode } from '../../frames/drawCard.ts';

/** The mini app's images: the 3:2 embed card of a performance (the frame card above a call to action), the app icon
 * (1024x1024), the splash image (200x200) and the hero / Open Graph image (1200x630). Pure element trees, drawn by
 * the frames' renderer with the same bundled fonts. Sizes per https://miniapps.farcaster.xyz/docs/specification */
export const EMBED_SIZE = { width: 1200, height: 800 } as const;
export const ICON_SIZE = { width: 1024, height: 1024 } as const;
export const SPLASH_SIZE = { width: 200, height: 200 } as const;
export const HERO_SIZE = { width: 1200, height: 630 } as const;

/** Bumped whenever a drawing below changes, so every image URL changes with it. */
export const MINIAPP_LAYOUT_VERSION = 1;

const ACCENT = '#c084fc';
const MUTED = '#b8b0e0';
const GRADIENT = 'linear-gradient(135deg, #a855f7 0%, #ec4899 100%)';

type Style = Record<string, string | number>;

function el(style: Style, ...children: (ImageNode | string)[]): ImageNode {
  return { type: 'div', props: { style: { display: 'flex', ...style }, children } };
}

/** A white play triangle as an inline SVG image (a data URI: satori draws it with no network). */
const PLAY_TRIANGLE = `data:image/svg+xml;base64,${btoa(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><path d="M22 8 L92 50 L22 92 Z" fill="#ffffff"/></svg>',
)}`;

/** The brand mark: a gradient disc with a play triangle. */
function mark(size: number): ImageNode {
  const triangle = Math.round(size * 0.42);
  const play = {
    type: 'img',
    props: {
      src: PLAY_TRIANGLE,
      width: triangle,
      height: triangle,
      style: { marginLeft: Math.round(triangle * 0.08) },
    },
  } as unknown as ImageNode;
  return el(
    {
      width: size,
      height: size,
      borderRadius: size / 2,
      backgroundImage: GRADIENT,
      alignItems: 'center',
      justifyContent: 'center',
    },
    play,
  );
}

/** The 3:2 embed card: the frame card of the performance (1200x630) above a band that says what the button does. */
export function drawEmbedCard(card: PerformanceCard, fontFamily: string, background: string, cta: string): ImageNode {
  return el(
    {
      width: EMBED_SIZE.width,
      height: EMBED_SIZE.height,
      flexDirection: 'column',
      backgroundColor: background,
      fontFamily,
    },
    drawCard(card, fontFamily),
    el(
      {
        width: EMBED_SIZE.width,
        height: EMBED_SIZE.height - IMAGE_HEIGHT,
        padding: '0 56px 36px 56px',
        alignItems: 'center',
        justifyContent: 'space-between',
        color: '#ffffff',
      },
      el({ alignItems: 'center', fontSize: 36, fontWeight: 700 }, mark(72), el({ marginLeft: 24 }, cta)),
      el({ fontSize: 26, color: MUTED, letterSpacing: 2 }, card.coin === null ? 'LISTEN' : `$${card.coin.symbol}`),
    ),
  );
}

/** The app icon: the mark centred on the background, nothing transparent (encoded without alpha). */
export function drawIcon(fontFamily: string, background: string): ImageNode {
  return el(
    {
      width: ICON_SIZE.width,
      height: ICON_SIZE.height,
      backgroundColor: background,
      alignItems: 'center',
      justifyContent: 'center',
      fontFamily,
    },
    mark(640),
  );
}

/** The splash image shown while the app loads (200x200, the mark on the splash colour). */
export function drawSplash(fontFamily: string, background: string): ImageNode {
  return el(
    {
      width: SPLASH_SIZE.width,
      height: SPLASH_SIZE.height,
      backgroundColor: background,
      alignItems: 'center',
      justifyContent: 'center',
      fontFamily,
    },
    mark(128),
  );
}

/** The hero and Open Graph image: name, tagline and the mark. */
export function drawHero(fontFamily: string, background: string, name: string, tagline: string): ImageNode {
  return el(
    {
      width: IMAGE_WIDTH,
      height: HERO_SIZE.height,
      backgroundColor: background,
      alignItems: 'center',
      padding: '0 96px',
      fontFamily,
      color: '#ffffff',
    },
    mark(300),
    el(
      { flexDirection: 'column', marginLeft: 64 },
      el({ fontSize: 96, fontWeight: 700 }, name),
      el({ marginTop: 16, fontSize: 40, color: ACCENT }, tagline),
    ),
  );
}
