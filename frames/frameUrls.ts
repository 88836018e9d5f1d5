import { FRAMES_BASE_PATH } from './basePath.ts';

/** Every absolute URL the frames put in meta tags, built on the public origin (frames v1 requires absolute URLs;
 * post_url, button targets and link hrefs are limited to 256 bytes). Pure. */
export interface FrameUrls {
  origin: string;
  frame(castHash: string): string;
  image(castHash: string, version: string): string;
  notFoundImage(version: string): string;
  buyTarget(castHash: string): string;
  bought(castHash: string): string;
  tradeFrame(castHash: string, txHash: string): string;
  tradeImage(castHash: string, txHash: string, version: string): string;
  /** Where a person (browser, or the Listen button without usable audio) goes: the mini app, else the JSON API. */
  performancePage(castHash: string): string;
}

/** `0x` + 40 hex digits, any case (normalised to lowercase before use). */
export const CAST_HASH = /^0x[0-9a-fA-F]{40}$/;

/** Build the URL set; `publicUrl` must be a bare http(s) origin such as `https://gigavibe.example`. */
export function createFrameUrls(publicUrl: string, miniAppUrl?: string): FrameUrls {
  const origin = new URL(publicUrl).origin;
  const base = `${origin}${FRAMES_BASE_PATH}`;
  const frame = (castHash: string) => `${base}/performance/${castHash}`;
  return {
    origin,
    frame,
    image: (castHash, version) => `${frame(castHash)}/image/${version}.png`,
    notFoundImage: (version) => `${base}/not-found/image/${version}.png`,
    buyTarget: (castHash) => `${frame(castHash)}/buy`,
    bought: (castHash) => `${frame(castHash)}/bought`,
    tradeFrame: (castHash, txHash) => `${frame(castHash)}/trade/${txHash}`,
    tradeImage: (castHash, txHash, version) => `${frame(castHash)}/trade/${txHash}/image/${version}.png`,
    performancePage: (castHash) => {
      if (miniAppUrl === undefined) return `${origin}/api/performances/${castHash}`;
      const url = new URL(miniAppUrl);
      url.searchParams.set('castHash', castHash);
      return url.toString();
    },
  };
}

/** The cast hash a signed frame URL names (`<origin>/frames/performance/<hash>[/...]`), lowercase; null when the
 * URL is not one of our performance frames on `origin`. */
export function castHashOfFrameUrl(url: string, origin: string): string | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  if (parsed.origin !== origin) return null;
  const match = SIGNED_FRAME_PATH.exec(parsed.pathname);
  return match?.[1] === undefined ? null : match[1].toLowerCase();
}

const SIGNED_FRAME_PATH = new RegExp(`^${FRAMES_BASE_PATH}/performance/(0x[0-9a-fA-F]{40})(?:/|$)`);

/** Block explorer page of a transaction (Basescan for Base, Base Sepolia); null for chains without one. */
export function explorerTxUrl(chainId: number, txHash: string): string | null {
  if (chainId === 8453) return `https://basescan.org/tx/${txHash}`;
  if (chainId === 84532) return `https://sepolia.basescan.org/tx/${txHash}`;
  return null;
}

/** The amount input's placeholder, at most 32 bytes (frames v1), showing the default amount when it fits. */
export function amountPlaceholder(defaultEth: string): string {
  const candidates = [`ETH to spend (default ${defaultEth})`, `ETH (default ${defaultEth})`, `${defaultEth} ETH`];
  return candidates.find((c) => utf8Length(c) <= 32) ?? 'ETH to spend';
}

/** UTF-8 byte length (the unit of every frames v1 limit). */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}
