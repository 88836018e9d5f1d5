import { createSignatureVerifier } from './verifySignature.ts';

/** The two hashes the webhook route needs, injectable per host: WebCrypto runs everywhere (Workers); Node's
 * native crypto is several times cheaper per call, which matters on the acknowledgement path. */
export interface WebhookCrypto {
  /** Build a verifier of `X-Neynar-Signature` (lowercase hex HMAC-SHA512 of the body) for the given secrets. */
  createVerifier(
    secrets: readonly string[],
  ): (body: Uint8Array, header: string | undefined) => Promise<boolean> | boolean;
  /** Lowercase hex SHA-256 of the body (the inbox's redelivery key). */
  sha256Hex(body: Uint8Array): Promise<string> | string;
}

/** WebCrypto implementation (constant-time `crypto.subtle.verify`). */
export const webWebhookCrypto: WebhookCrypto = {
  createVerifier: createSignatureVerifier,
  async sha256Hex(body) {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
    return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  },
};
