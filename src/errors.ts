/** Base class for expected, typed failures; `name` is namespaced (`Webhook.InvalidSignatureError`) and mapped to an
 * HTTP status in one place (src/http/onError.ts). Modeled on viem's BaseError habit: short message, cause chain. */
export class BaseError extends Error {
  override name = 'BaseError';
  /** HTTP status this error maps to when it escapes a route. */
  readonly status: number;
  /** For 503s: seconds the client should wait before retrying (Retry-After). */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status ?? 500;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The request body is too large. */
export class PayloadTooLargeError extends BaseError {
  override name = 'Http.PayloadTooLargeError';
  constructor(limitBytes: number) {
    super(`body exceeds ${limitBytes} bytes`, { status: 413 });
  }
}

/** The client sent something we cannot accept; the message is short and safe to show. */
export class BadRequestError extends BaseError {
  override name = 'Http.BadRequestError';
  constructor(message: string) {
    super(message, { status: 400 });
  }
}

/** A dependency (database, upstream API) is unavailable; the client should retry later. */
export class UnavailableError extends BaseError {
  override name = 'Http.UnavailableError';
  constructor(message: string, cause?: unknown, retryAfterSeconds?: number) {
    super(message, {
      status: 503,
      cause,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
  }
}

/** A client, buyer or fid spent its request budget; it may retry after `retryAfterSeconds` (sent as Retry-After). */
export class RateLimitedError extends BaseError {
  override name = 'Http.RateLimitedError';
  constructor(message: string, retryAfterSeconds: number) {
    super(message, { status: 429, retryAfterSeconds });
  }
}
