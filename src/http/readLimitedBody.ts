import { BadRequestError, PayloadTooLargeError } from '../errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Read a request body of at most `limit` bytes: a declared Content-Length is checked before reading; a body without
 * one is streamed and cut off as soon as it passes the limit (never buffered whole). 413 / 400 as typed errors. */
export async function readLimitedBytes(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null) {
    if (!/^\d{1,15}$/.test(declared)) throw new BadRequestError('invalid Content-Length');
    if (Number(declared) > limit) throw new PayloadTooLargeError(limit);
    // Measured (bench:ingest): with a declared length, one arrayBuffer() is faster than reading the stream.
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limit) throw new PayloadTooLargeError(limit);
    return bytes;
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Strict UTF-8 text of bytes (a lone surrogate or invalid sequence is a 400, never replaced). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new BadRequestError('body is not valid UTF-8');
  }
}

/** A size-limited, strict UTF-8 JSON body (413 over `limit`, 400 for bad UTF-8 or JSON). */
export async function readLimitedJson(request: Request, limit: number): Promise<unknown> {
  const text = decodeUtf8(await readLimitedBytes(request, limit));
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('body is not valid JSON');
  }
}
