import { z } from 'zod';

/** A JSON Farcaster Signature as the manifest's `accountAssociation`: three base64url strings. */
export interface AccountAssociation {
  header: string;
  payload: string;
  signature: string;
}

/** What the association's header and payload say (decoded, not verified). */
export interface DecodedAccountAssociation {
  fid: number;
  type: 'custody' | 'auth';
  key: string;
  domain: string;
}

const b64url = z
  .string()
  .regex(/^[A-Za-z0-9_-]+={0,2}$/, 'must be base64url')
  .max(4096);
const associationSchema = z.object({ header: b64url, payload: b64url, signature: b64url }).strict();
const headerSchema = z.object({
  fid: z.number().int().positive(),
  type: z.enum(['custody', 'auth']),
  key: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
});
const payloadSchema = z.object({ domain: z.string().min(1).max(253) });

function decodeJson(value: string): unknown {
  const binary = atob(value.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, ''));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
}

/** Parse MINIAPP_ACCOUNT_ASSOCIATION (the JSON object the Farcaster manifest tool prints, or just its three parts)
 * and decode what it claims: `{fid, type, key}` and `{domain}`. Throws a short message when it is not one.
 * https://miniapps.farcaster.xyz/docs/specification (accountAssociation) */
export function parseAccountAssociation(raw: unknown): {
  association: AccountAssociation;
  decoded: DecodedAccountAssociation;
} {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error('must be JSON {"header","payload","signature"}');
    }
  }
  if (typeof value === 'object' && value !== null && 'accountAssociation' in value) {
    value = (value as { accountAssociation: unknown }).accountAssociation;
  }
  const parsed = associationSchema.safeParse(value);
  if (!parsed.success) throw new Error('must have header, payload and signature, each base64url');
  let header: unknown;
  let payload: unknown;
  try {
    header = decodeJson(parsed.data.header);
    payload = decodeJson(parsed.data.payload);
  } catch {
    throw new Error('header and payload must be base64url JSON');
  }
  const h = headerSchema.safeParse(header);
  if (!h.success) throw new Error('header must be {fid, type: custody|auth, key: 0x address}');
  const p = payloadSchema.safeParse(payload);
  if (!p.success) throw new Error('payload must be {domain}');
  return { association: parsed.data, decoded: { ...h.data, domain: p.data.domain } };
}

/** The configured association (MINIAPP_ACCOUNT_ASSOCIATION, or its three parts), parsed; null when none is set.
 * The config schema has already refused a malformed one. */
export function readAccountAssociation(env: {
  MINIAPP_ACCOUNT_ASSOCIATION?: string | undefined;
  MINIAPP_ASSOCIATION_HEADER?: string | undefined;
  MINIAPP_ASSOCIATION_PAYLOAD?: string | undefined;
  MINIAPP_ASSOCIATION_SIGNATURE?: string | undefined;
}): ReturnType<typeof parseAccountAssociation> | null {
  if (env.MINIAPP_ACCOUNT_ASSOCIATION !== undefined) return parseAccountAssociation(env.MINIAPP_ACCOUNT_ASSOCIATION);
  const { MINIAPP_ASSOCIATION_HEADER: header, MINIAPP_ASSOCIATION_PAYLOAD: payload } = env;
  const signature = env.MINIAPP_ASSOCIATION_SIGNATURE;
  if (header === undefined || payload === undefined || signature === undefined) return null;
  return parseAccountAssociation({ header, payload, signature });
}
