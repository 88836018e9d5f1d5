import { z } from 'zod';
import { UnavailableError } from '../errors.ts';
import { UnauthorizedError } from './errors.ts';

/** Who a verified Quick Auth token says the caller is. */
export interface AuthenticatedUser {
  fid: number;
}

/** Verify the request's `Authorization: Bearer <Quick Auth JWT>`; rejects with UnauthorizedError (401) for any token
 * that does not verify, UnavailableError (503) when the Quick Auth server's keys cannot be fetched. Routes of other
 * capabilities take it injected (e.g. trade reports). */
export type Authenticate = (request: Request) => Promise<AuthenticatedUser>;

/** The claims verifyJwt answers (`@farcaster/quick-auth`'s JWTPayload, checked again here: the package trusts jose,
 * which requires neither `exp` nor a numeric `sub`). */
const claimsSchema = z.object({
  sub: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\d{1,15}$/)
        .transform(Number),
    ])
    .pipe(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)),
  exp: z.number(),
});

export interface QuickAuthOptions {
  /** The Quick Auth server (QUICK_AUTH_ORIGIN): tokens must be issued by it and signed by a key of its JWKS
   * (`${origin}/.well-known/jwks.json`). */
  origin: string;
  /** Our host as the token's audience (quickAuthDomain(PUBLIC_URL)). */
  domain: string;
  /** The verification itself; default `createClient({ origin }).verifyJwt` (tests pass a failing one). */
  verifyJwt?: (options: { token: string; domain: string }) => Promise<unknown>;
}

/** The audience Quick Auth tokens carry for this server: the host of PUBLIC_URL (with its port when it has one,
 * as a SIWF message's domain is an RFC 3986 authority). */
export function quickAuthDomain(publicUrl: string): string {
  return new URL(publicUrl).host;
}

/** jose's error codes that mean "this token is not acceptable": the token's fault, never the server's. */
const TOKEN_ERROR_CODES = new Set([
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

const MAX_TOKEN_LENGTH = 4096;
const jwtShape = /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*$/;

/** The bearer token of a request, or an UnauthorizedError: one `Bearer` credential of JWT shape. */
export function readBearerToken(request: Request): string {
  const header = request.headers.get('authorization');
  if (header === null) throw new UnauthorizedError('sign in required');
  const match = /^Bearer +(\S+) *$/i.exec(header);
  const token = match?.[1];
  if (token === undefined || token.length > MAX_TOKEN_LENGTH || !jwtShape.test(token)) {
    throw new UnauthorizedError('malformed bearer token');
  }
  return token;
}

/** Sort what verifyJwt threw: the token's fault (401: quick-auth's InvalidTokenError, and jose's own errors that
 * escape it, e.g. a forged signature or an unknown key id) or the key server's (503: JWKS unreachable, slow, not
 * JSON, not a key set). Nothing here becomes a 500. */
export function classifyVerifyError(error: unknown): UnauthorizedError | UnavailableError {
  const name = error instanceof Error ? error.name : '';
  const code = (error as { code?: unknown } | null)?.code;
  if (name === 'InvalidToken' || (typeof code === 'string' && TOKEN_ERROR_CODES.has(code))) {
    return new UnauthorizedError('invalid token', error);
  }
  return new UnavailableError('sign-in keys are unavailable; try again shortly', error, 5);
}

/** Build the Quick Auth authenticator: `createClient({ origin }).verifyJwt({ token, domain })`, which checks the
 * signature against the origin's JWKS (fetched once and cached by jose), issuer = origin and audience = domain; then
 * an expiry and a positive integer fid are required. https://miniapps.farcaster.xyz/docs/sdk/quick-auth */
export function createQuickAuthenticator(options: QuickAuthOptions): Authenticate {
  // Loaded on the first signed-in request, not at start (it brings jose); the client keeps jose's cached key set.
  let client: Promise<(o: { token: string; domain: string }) => Promise<unknown>> | undefined;
  const verifyJwt =
    options.verifyJwt ??
    ((o: { token: string; domain: string }) => {
      client ??= import('@farcaster/quick-auth').then((qa) => qa.createClient({ origin: options.origin }).verifyJwt);
      return client.then((verify) => verify(o));
    });
  return async (request) => {
    const token = readBearerToken(request);
    let payload: unknown;
    try {
      payload = await verifyJwt({ token, domain: options.domain });
    } catch (error) {
      throw classifyVerifyError(error);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) throw new UnauthorizedError('invalid token');
    return { fid: claims.data.sub };
  };
}

/** Farcaster's public Quick Auth server, when QUICK_AUTH_ORIGIN is unset. */
export const DEFAULT_QUICK_AUTH_ORIGIN = 'https://auth.farcaster.xyz';
