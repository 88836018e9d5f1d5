import { createClient, type WebSocketLikeConstructor } from '@supabase/supabase-js';
import { BaseError } from '../errors.ts';
import type { Rpc } from './rpc.ts';

/** A Supabase Data API (PostgREST) RPC failed. `code` is the SQLSTATE for database errors (40P01, 23505, ...) or a
 * PGRST code for API errors, so callers branch on it exactly as on a pg error; `httpStatus` is PostgREST's answer.
 * https://docs.postgrest.org/en/stable/references/errors.html */
export class SupabaseRpcError extends BaseError {
  override name = 'Supabase.RpcError';
  readonly code: string | undefined;
  readonly httpStatus: number;
  readonly details: string | null;
  readonly hint: string | null;
  constructor(
    fn: string,
    response: { status: number; error: { code?: unknown; message?: unknown; details?: unknown; hint?: unknown } },
  ) {
    const { status, error } = response;
    const code = typeof error.code === 'string' && error.code !== '' ? error.code : undefined;
    const reason = typeof error.message === 'string' ? error.message : 'unknown error';
    const where = status === 0 ? 'no response' : `HTTP ${status}${code === undefined ? '' : ` ${code}`}`;
    const advice =
      status === 401 ? ' (check SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY: the key must be the service-role key)' : '';
    super(`rpc ${fn} failed (${where}): ${reason}${advice}`);
    this.code = code;
    this.httpStatus = status;
    this.details = typeof error.details === 'string' ? error.details : null;
    this.hint = typeof error.hint === 'string' ? error.hint : null;
  }
}

// supabase-js builds its Realtime client eagerly, and that throws on Node 20 (no global WebSocket) unless a
// transport is given. The server never subscribes to Realtime, so it gets a transport that refuses to connect.
const noRealtime = function RealtimeUnused(): never {
  throw new Error('Supabase Realtime is not used by the GigaVibe server');
} as unknown as WebSocketLikeConstructor;

/** Rpc over supabase-js: each call is `POST {SUPABASE_URL}/rest/v1/rpc/<fn>` with named JSON arguments, authorised
 * by the service-role key (server only; never sent to a browser). Failures throw SupabaseRpcError carrying the
 * SQLSTATE as `code`. https://supabase.com/docs/reference/javascript/rpc */
export function supabaseRpc(url: string, serviceRoleKey: string, options: { fetch?: typeof fetch } = {}): Rpc {
  const client = createClient(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: options.fetch === undefined ? {} : { fetch: options.fetch },
    realtime: { transport: noRealtime },
  });
  return {
    async call(fn, args) {
      const { data, error, status } = await client.rpc(fn, args);
      if (error) throw new SupabaseRpcError(fn, { status, error });
      return data ?? null;
    },
    async close() {},
  };
}
