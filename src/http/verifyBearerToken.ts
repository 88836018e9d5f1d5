/** Check an `Authorization: Bearer <token>` header against the expected token in constant time: both sides are
 * hashed with SHA-256 first, so neither the comparison nor its length leaks how much of the token matched. */
export async function verifyBearerToken(header: string | undefined, expected: string): Promise<boolean> {
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? '');
  const given = match?.[1] ?? '';
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(given)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = match === null ? 1 : 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
