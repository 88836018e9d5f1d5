import { BadRequestError, PayloadTooLargeError } from '../errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Read a JSON request body of at most `limit` bytes: a declared Content-Length is checked before reading, a body
 * without one is streamed and cut off once it passes the limit (never buffered whole); then strict UTF-8 and JSON.
 * 413 / 400 as typed errors. (The webhook route reads its raw bytes the same way.) */
export async function readLimitedJson(request: Request, limit: number): Promise<unknown> {
  const declared = request.headers.get('content-length');
  if (declared !== null && !/^\d{1,15}$/.test(declared)) throw new BadRequestError('invalid Content-Length');
  if (declared !== null && Number(declared) > limit) throw new PayloadTooLargeError(limit);
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body !== null) {
    const reader = request.body.getReader();
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
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new BadRequestError('body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('body is not valid JSON');
  }
}
