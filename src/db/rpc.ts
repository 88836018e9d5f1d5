import type { SqlClient } from './sqlClient.ts';

/** One call of a SQL function with named arguments, answering its jsonb result. This is the narrow waist every
 * database adapter implements: SQL over PGlite or PostgreSQL, or PostgREST RPC through supabase-js. */
export interface Rpc {
  call(fn: string, args: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
}

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/** Serialise an argument the way PostgREST does: objects and arrays as JSON text, scalars as they are. */
function toParam(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** Rpc over a SQL client: `select public.fn(a => $1, b => $2)`. */
export function sqlRpc(client: SqlClient): Rpc {
  return {
    async call(fn, args) {
      if (!identifier.test(fn)) throw new Error(`invalid function name ${fn}`);
      const names = Object.keys(args);
      for (const name of names) if (!identifier.test(name)) throw new Error(`invalid argument name ${name}`);
      const list = names.map((name, i) => `${name} => $${i + 1}`).join(', ');
      const rows = await client.query<{ result: unknown }>(
        `select public.${fn}(${list}) as result`,
        names.map((name) => toParam(args[name])),
      );
      return rows[0]?.result ?? null;
    },
    close: () => client.close(),
  };
}
