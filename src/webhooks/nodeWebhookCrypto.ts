import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookCrypto } from './webhookCrypto.ts';

const SIGNATURE = /^[0-9a-f]{128}$/;

/** node:crypto implementation for the Node host: HMAC-SHA512 compared with timingSafeEqual against every secret. */
export const nodeWebhookCrypto: WebhookCrypto = {
  createVerifier(secrets) {
    if (secrets.length === 0) throw new Error('at least one webhook secret is required');
    const keys = secrets.map((s) => Buffer.from(s, 'utf8'));
    return (body, header) => {
      if (header === undefined || !SIGNATURE.test(header)) return false;
      const given = Buffer.from(header, 'hex');
      let valid = false;
      for (const key of keys) {
        // Check every key so timing does not reveal which secret matched.
        if (timingSafeEqual(createHmac('sha512', key).update(body).digest(), given)) valid = true;
      }
      return valid;
    };
  },
  sha256Hex: (body) => createHash('sha256').update(body).digest('hex'),
};
