import { BaseError } from '../errors.ts';

/** A request to an authenticated route carried no valid Quick Auth token (missing, malformed, forged, expired, for
 * another domain or from another issuer). The message is short and says nothing about which check failed beyond
 * what the client already knows. Answered 401 with `WWW-Authenticate: Bearer`. */
export class UnauthorizedError extends BaseError {
  override name = 'MiniApp.UnauthorizedError';
  constructor(message = 'sign in required', cause?: unknown) {
    super(message, { status: 401, cause });
  }
}

/** A mini app webhook event whose JSON Farcaster Signature, or app key, did not verify. */
export class InvalidWebhookSignatureError extends BaseError {
  override name = 'MiniApp.InvalidWebhookSignatureError';
  constructor(message = 'invalid signature', cause?: unknown) {
    super(message, { status: 401, cause });
  }
}
