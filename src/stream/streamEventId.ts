/** Where a stream client is: the instance's epoch (a random tag per process and per listening connection), the last
 * event sequence number it has seen and the server time (ms) that id was written at. Sent as the SSE `id` of events
 * and heartbeats, so a browser's Last-Event-ID says how far it got. */
export interface StreamPosition {
  epoch: string;
  seq: number;
  at: number;
}

const ID = /^([0-9a-z]{4,16})-(\d{1,15})-([0-9a-z]{1,11})$/;

/** `<epoch>-<seq>-<ms base 36>`: short, no characters an SSE field forbids. */
export function formatStreamEventId(position: StreamPosition): string {
  return `${position.epoch}-${position.seq}-${position.at.toString(36)}`;
}

/** The position in a Last-Event-ID header, or null for anything this server did not write (never throws: a client
 * cannot always choose what it resends, so a foreign id means "start over", not a 400). */
export function parseStreamEventId(value: string | undefined | null): StreamPosition | null {
  if (value === undefined || value === null || value.length > 64) return null;
  const match = ID.exec(value.trim());
  if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) return null;
  const seq = Number(match[2]);
  const at = Number.parseInt(match[3], 36);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(at)) return null;
  return { epoch: match[1], seq, at };
}
