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
  if (sort === 'recent' && (!('t' in key) || !isIsoTimestamp(key.t))) return null;
  if (sort === 'top' && (!('s' in key) || key.s > Number.MAX_SAFE_INTEGER)) return null;
  if (sort === 'trending' && (!('g' in key) || !/^\d{1,20}(\.\d{1,6})?$/.test(key.g) || !isIsoTimestamp(key.a))) {
    return null;
  }
  return key;
}

const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 timestamp as the feed writes it (`2026-11-25T10:00:00.123456+00:00`), with a real calendar date and a
 * real UTC offset. `Date.parse` alone accepts `"1"`, `"Jan 1"` and `"-1"`, which PostgreSQL then refuses; the pattern
 * alone accepts `+99:99`, which is no time at all (an Invalid Date). */
export function isIsoTimestamp(text: string): boolean {
  const parts = ISO_TIMESTAMP.exec(text);
  if (parts === null) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    Number.isFinite(Date.parse(text))
  );
}
