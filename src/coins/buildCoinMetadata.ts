/** What a performance coin's metadata is built from (read from the database by the caller). */
export interface CoinMetadataInput {
  castHash: string;
  title: string;
  text: string;
  artistName: string | null;
  artistPfpUrl: string | null;
  audioUrl: string | null;
  audioMimeType: string | null;
  /** Public page of the performance (the mini app or cast URL). */
  externalUrl: string | null;
}

/** Zora coin metadata JSON (EIP-7572 style): `name`, `description`, `image`, plus the performance audio as
 * `animation_url` and `content {uri, mime}`. */
export interface CoinMetadata {
  name: string;
  description: string;
  image: string;
  animation_url?: string;
  content?: { uri: string; mime: string };
  external_url?: string;
}

// coins-sdk's validateMetadataJSON accepts only these schemes for image, animation_url and content.uri.
const ACCEPTED = /^(https:|ipfs:|ar:|data:)/i;

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A self-contained cover image (SVG data URI) for performances without a usable artist picture. */
function coverImage(title: string, artist: string | null): string {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600">` +
    `<rect width="600" height="600" fill="#14101f"/>` +
    `<text x="300" y="290" font-family="sans-serif" font-size="36" fill="#f5f0ff" text-anchor="middle">` +
    `${escapeXml([...title].slice(0, 40).join(''))}</text>` +
    `<text x="300" y="340" font-family="sans-serif" font-size="24" fill="#b9a8ff" text-anchor="middle">` +
    `${escapeXml(artist ?? 'GigaVibe')}</text></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

/** Build the metadata our server serves for a performance's coin; every URI uses a scheme Zora accepts (the rules
 * of validateMetadataJSON in @zoralabs/coins-sdk 0.6.0: string name/description/image; content needs uri and mime).
 * Pure. */
export function buildCoinMetadata(input: CoinMetadataInput): CoinMetadata {
  const by = input.artistName ? ` by ${input.artistName}` : '';
  const description = `${input.title}${by}: a live performance on GigaVibe (Farcaster cast ${input.castHash}).`;
  const image =
    input.artistPfpUrl && ACCEPTED.test(input.artistPfpUrl)
      ? input.artistPfpUrl
      : coverImage(input.title, input.artistName);
  const metadata: CoinMetadata = { name: input.title, description, image };
  if (input.audioUrl && ACCEPTED.test(input.audioUrl)) {
    metadata.animation_url = input.audioUrl;
    metadata.content = { uri: input.audioUrl, mime: input.audioMimeType ?? 'audio/mpeg' };
  }
  if (input.externalUrl) metadata.external_url = input.externalUrl;
  return metadata;
}
