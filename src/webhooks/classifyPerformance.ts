import type { PerformanceDraft } from './events.ts';
import type { NeynarCast } from './neynarSchemas.ts';

const AUDIO_EXTENSIONS: Record<string, string> = {
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/opus',
  flac: 'audio/flac',
  aif: 'audio/aiff',
  aiff: 'audio/aiff',
  weba: 'audio/webm',
};

/** The audio MIME type of an embed, from its metadata content type or, failing that, its file extension. */
export function audioMimeType(url: string, contentType: string | null | undefined): string | null {
  const declared = contentType?.split(';')[0]?.trim().toLowerCase();
  if (declared?.startsWith('audio/')) return declared;
  if (!URL.canParse(url)) return null;
  const path = new URL(url).pathname.toLowerCase();
  const ext = path.slice(path.lastIndexOf('.') + 1);
  return path.includes('.') ? (AUDIO_EXTENSIONS[ext] ?? null) : null;
}

function titleOf(text: string, username: string | null | undefined): string {
  const firstLine =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? '';
  const title = firstLine.length > 0 ? firstLine : `Performance by @${username ?? 'unknown'}`;
  return [...title].slice(0, 100).join('');
}

/** Decide whether a cast is a performance: cast in the performance channel (parent or root parent URL) or embedding
 * an audio file. Returns the performance to create, or null. Pure. */
export function classifyPerformance(cast: NeynarCast, performanceChannelUrl: string): PerformanceDraft | null {
  const urlEmbeds = cast.embeds.flatMap((e) =>
    'url' in e ? [{ url: e.url, contentType: e.metadata?.content_type ?? null }] : [],
  );
  const audio = urlEmbeds
    .map((e) => ({ url: e.url, mime: audioMimeType(e.url, e.contentType) }))
    .find((e) => e.mime !== null);
  const inChannel = cast.parent_url === performanceChannelUrl || cast.root_parent_url === performanceChannelUrl;
  if (!inChannel && audio === undefined) return null;
  return {
    title: titleOf(cast.text, cast.author.username),
    body: cast.text,
    audioUrl: audio?.url ?? null,
    audioMimeType: audio?.mime ?? null,
    channelUrl: inChannel ? performanceChannelUrl : (cast.root_parent_url ?? cast.parent_url ?? null),
    embeds: urlEmbeds,
  };
}
