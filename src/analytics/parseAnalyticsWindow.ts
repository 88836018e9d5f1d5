import { isIsoTimestamp } from '../performances/feedCursor.ts';
import type { AnalyticsWindow } from './createAnalyticsStore.ts';

/** Most buckets one answer may hold: a month of hours, a year (and a day) of days. */
export const MAX_BUCKETS = { hour: 24 * 31, day: 366 } as const;

const DEFAULT_BUCKETS = { hour: 48, day: 30 } as const;
const BUCKET_MS = { hour: 3_600_000, day: 86_400_000 } as const;
const KNOWN = new Set(['bucket', 'from', 'to']);

/** The window an analytics request asks for, or the reason it is refused (a short 400 message). `to` defaults to
 * now, `from` to the start of the 48th hour (hour buckets) or 30th UTC day (day buckets) back, so the default answer
 * is 48 or 30 whole buckets ending with the current one; both are ISO 8601 timestamps. Pure. */
export function parseAnalyticsWindow(
  query: Record<string, string>,
  now: Date,
): { ok: true; window: AnalyticsWindow } | { ok: false; message: string } {
  const unknown = Object.keys(query).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) return { ok: false, message: `unknown parameter ${unknown.join(', ')}` };
  const bucket = query.bucket ?? 'hour';
  if (bucket !== 'hour' && bucket !== 'day') return { ok: false, message: 'bucket must be hour or day' };
  let to = now;
  if (query.to !== undefined) {
    if (!isIsoTimestamp(query.to)) return { ok: false, message: 'to must be an ISO 8601 timestamp' };
    to = new Date(query.to);
  }
  const size = BUCKET_MS[bucket];
  let from = new Date(Math.floor(to.getTime() / size) * size - (DEFAULT_BUCKETS[bucket] - 1) * size);
  if (query.from !== undefined) {
    if (!isIsoTimestamp(query.from)) return { ok: false, message: 'from must be an ISO 8601 timestamp' };
    from = new Date(query.from);
  }
  if (from.getTime() >= to.getTime()) return { ok: false, message: 'from must be before to' };
  if ((to.getTime() - from.getTime()) / BUCKET_MS[bucket] > MAX_BUCKETS[bucket]) {
    return { ok: false, message: `at most ${MAX_BUCKETS[bucket]} ${bucket} buckets per request` };
  }
  return { ok: true, window: { bucket, from, to } };
}
