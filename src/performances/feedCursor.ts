import { type FeedKey, type FeedSort, feedKeySchema } from './types.ts';

/** Encode a keyset position as an opaque URL-safe cursor. */
export function encodeFeedCursor(key: FeedKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decode a cursor for the given sort; null if it is malformed or belongs to the other sort. Pure. */
export function decodeFeedCursor(cursor: string, sort: FeedSort): FeedKey | null {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const parsed = feedKeySchema.safeParse(value);
  if (!parsed.success) return null;
  const key = parsed.data;
  if (!/^0x[0-9a-f]{40}$/.test(key.h)) return null;
  if (sort === 'recent' && (!('t' in key) || Number.isNaN(Date.parse(key.t)))) return null;
  if (sort === 'top' && !('s' in key)) return null;
  return key;
}
