import { createClient } from '@supabase/supabase-js';
import type { Rpc } from './rpc.ts';

/** Rpc over supabase-js: each call is `POST {SUPABASE_URL}/rest/v1/rpc/<fn>` with named JSON arguments, authorised
 * by the service-role key (server only; never sent to a browser). */
export function supabaseRpc(url: string, serviceRoleKey: string, options: { fetch?: typeof fetch } = {}): Rpc {
  const client = createClient(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    global: options.fetch === undefined ? {} : { fetch: options.fetch },
  });
  return {
    async call(fn, args) {
      const { data, error } = await client.rpc(fn, args);
      if (error) {
        const failure = new Error(`rpc ${fn} failed: ${error.message}`);
        Object.assign(failure, { code: error.code });
        throw failure;
      }
      return data ?? null;
    },
    async close() {},
  };
}
