const encoder = new TextEncoder();
const SIGNATURE = /^[0-9a-f]{128}$/;

/** Verifies `X-Neynar-Signature`: the lowercase hex HMAC-SHA512 of the raw body under any configured secret
 * (several during rotation). Uses WebCrypto's HMAC verify, which compares in constant time, so it runs unchanged on
 * Node and Workers. https://docs.neynar.com/docs/how-to-verify-the-incoming-webhooks-using-signatures */
export function createSignatureVerifier(
  secrets: readonly string[],
): (body: Uint8Array, header: string | undefined) => Promise<boolean> {
  if (secrets.length === 0) throw new Error('at least one webhook secret is required');
  const keys = Promise.all(
    secrets.map((secret) =>
      crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-512' }, false, ['verify']),
    ),
  );
  return async (body, header) => {
    if (header === undefined || !SIGNATURE.test(header)) return false;
    const signature = new Uint8Array(64);
    for (let i = 0; i < 64; i++) signature[i] = Number.parseInt(header.slice(i * 2, i * 2 + 2), 16);
    let valid = false;
    for (const key of await keys) {
      // Check every key so timing does not reveal which secret matched.
      if (await crypto.subtle.verify('HMAC', key, signature, body)) valid = true;
    }
    return valid;
  };
}

/** Hex HMAC-SHA512 of body under secret: what Neynar sends, and what our sample sender and tests sign with. */
export async function signNeynarBody(secret: string, body: string | Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-512' }, false, [
    'sign',
  ]);
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, bytes));
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
}
