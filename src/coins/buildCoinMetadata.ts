/** What a performance coin's metadata is built from (read from the database by the caller). */
export interface CoinMetadataInput {
  castHash: string;
  title: string;
  text: string;
  artistName: string | null;
  artistPfpUrl: string | null;
  audioUrl: string | null;
  audioMimeType: string | null;
  /** The artist's Farcaster username: the coin's external_url is their cast's page. */
  artistUsername: string | null;
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

// Longest https URL we pass on: far above any real profile picture or audio URL, far below anything abusive.
const MAX_URL_LENGTH = 2048;
// A data: picture is copied into every metadata response, so it is kept small.
const MAX_DATA_URI_LENGTH = 64 * 1024;
// Raster types only: an SVG (image/svg+xml) is a document that can carry script, and wallets and marketplaces render
// the coin's image. The payload must be plain base64 so nothing else can ride along in it.
const DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/;
const AUDIO_MIME = /^audio\/[a-z0-9.+-]{1,40}$/;

/** The URL as an absolute https URL (normalised), or null. coins-sdk refuses http:// for images, and wallets load
 * these URLs, so nothing else (javascript:, data:text/html, relative paths, credentials) is passed on. */
function safeHttpsUrl(raw: string): string | null {
  if (raw.length > MAX_URL_LENGTH) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.hostname === '' || url.username !== '' || url.password !== '') return null;
  return url.href.length > MAX_URL_LENGTH ? null : url.href;
}

/** The profile picture if it is safe to show as the coin's image (an https URL or a base64 PNG, JPEG, GIF or WebP
 * data URI), else null. */
function safeImage(raw: string | null): string | null {
  if (raw === null) return null;
  if (raw.slice(0, 5).toLowerCase() === 'data:') {
    return raw.length <= MAX_DATA_URI_LENGTH && DATA_IMAGE.test(raw) ? raw : null;
  }
  return safeHttpsUrl(raw);
}

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

/** Build the metadata our server serves for a performance's coin. Every value that comes from a Farcaster profile or
 * cast is untrusted: the image is the profile picture only if it is an https URL or a raster data: image (else our
 * generated cover), the audio only if it is an https URL with an audio/* type, and the username is percent-encoded
 * into the external_url path. The result also meets validateMetadataJSON in @zoralabs/coins-sdk 0.6.0 (string
 * name/description/image; https/ipfs/ar/data URIs; content needs uri and mime). Pure. */
export function buildCoinMetadata(input: CoinMetadataInput): CoinMetadata {
  const by = input.artistName ? ` by ${input.artistName}` : '';
  const description = `${input.title}${by}: a live performance on GigaVibe (Farcaster cast ${input.castHash}).`;
  const image = safeImage(input.artistPfpUrl) ?? coverImage(input.title, input.artistName);
  const metadata: CoinMetadata = { name: input.title, description, image };
  const audio = input.audioUrl === null ? null : safeHttpsUrl(input.audioUrl);
  if (audio !== null) {
    metadata.animation_url = audio;
    const mime = input.audioMimeType?.toLowerCase() ?? '';
    metadata.content = { uri: audio, mime: AUDIO_MIME.test(mime) ? mime : 'audio/mpeg' };
  }
  if (input.artistUsername) {
    const user = encodeURIComponent(input.artistUsername);
    metadata.external_url = `https://farcaster.xyz/${user}/${encodeURIComponent(input.castHash.slice(0, 10))}`;
  }
  return metadata;
}
