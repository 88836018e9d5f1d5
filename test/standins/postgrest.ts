/** A local stand-in for Supabase's Data API (PostgREST behind the API gateway), speaking the RPC wire format that
 * supabase-js `.rpc()` sends, over a real database (PGlite or PostgreSQL) through a SqlClient.
 *
 * What it does as PostgREST does (https://docs.postgrest.org/en/stable/references/api/functions.html,
 * https://docs.postgrest.org/en/stable/references/errors.html):
 *  - `POST /rest/v1/rpc/<fn>` with a JSON object of named arguments; an empty body counts as `{}`.
 *  - The function is looked up in pg_catalog (schema `public`) by name and argument names: unknown names, or a
 *    missing argument without a default, answer 404 PGRST202; two matching overloads answer 300 PGRST203.
 *  - Arguments are converted by `json_to_record($1)` with the function's declared parameter types, so JSON values
 *    reach SQL the way PostgREST passes them (a JSON string for a jsonb parameter stays a JSON string).
 *  - Each call is one transaction: `set_config('role', <role>, true)`, `request.jwt.claims`, `request.method`,
 *    `request.path` and `request.headers` set locally, then the call, then commit (rollback on error). The role is
 *    the one the matched key stands for, so privileges and row-level security are those of service_role (or anon).
 *  - Results: a scalar function answers its value as JSON (a jsonb result verbatim, SQL null as `null`), a set
 *    returning function a JSON array, a void function 204 with no body.
 *  - SQL errors answer `{code: <SQLSTATE>, details, hint, message}` with PostgREST's status mapping (42501 403
 *    because every request here carries a JWT, 40* 500, 23505 409, 42883 404, P0001 400, other 400, ...).
 *  - `apikey` and `Authorization: Bearer` must both equal one configured key, else 401 in PostgREST's error shape.
 *  - `Content-Profile`/`Accept-Profile` other than `public` answer 406 PGRST106.
 *
 * What it cannot prove:
 *  - Keys are opaque strings compared for equality: no JWT is decoded, no signature, expiry or `role` claim is
 *    checked, and new-format `sb_secret_` keys (sent without a bearer by some clients) are not modelled. The real
 *    gateway answers a bad apikey with its own body (no `code`); here both checks answer PGRST301.
 *  - Role switching is real (set_config('role')), but on a local cluster the roles come from
 *    supabase/bootstrap/local_supabase.sql, not Supabase's own grants, so privilege drift between the two is not seen.
 *  - The schema cache is read on every request: a real PostgREST needs `notify pgrst, 'reload schema'` after a
 *    migration and answers PGRST202 until then.
 *  - No GET/HEAD RPC, no filters/select/order on results, no `Prefer` handling (params=single-object, tx=rollback,
 *    count), no variadic or single-unnamed-json-parameter functions, no `RAISE SQLSTATE 'PGRST'` custom responses,
 *    no statement timeout or role settings, no connection pool limits (PGRST003), no OpenAPI root.
 *  - The transport is plain HTTP on 127.0.0.1: TLS, HTTP/2, compression and the gateway's rate limits are absent. */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SqlClient, SqlSession } from '../../src/db/sqlClient.ts';
import { listenOnLoopback } from '../../src/support/listenOnLoopback.ts';

/** A database role a key stands for (PostgREST switches to it for the request). */
export type PostgrestRole = 'service_role' | 'anon' | 'authenticated';

/** What the stand-in serves: which database, and which keys open it as which role. */
export interface PostgrestStandInOptions {
  /** The database the functions run in (migrated, with the Supabase roles from the local bootstrap). */
  sql: SqlClient;
  /** Accepted API keys and the role each stands for, e.g. `{ [serviceRoleKey]: 'service_role' }`. */
  keys: Record<string, PostgrestRole>;
}

/** One request the stand-in answered, for tests that need to see the traffic. */
export interface PostgrestCall {
  fn: string;
  status: number;
  role: PostgrestRole | null;
  /** The SQLSTATE or PGRST code of an error answer. */
  code: string | null;
}

/** A running stand-in: its base URL, the traffic it answered, and how to stop it. */
export interface PostgrestStandIn {
  /** Base URL to use as SUPABASE_URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** Every RPC request answered so far, in order. */
  calls: PostgrestCall[];
  close(): Promise<void>;
}

interface ErrorBody {
  code: string;
  details: string | null;
  hint: string | null;
  message: string;
}

interface Answer {
  status: number;
  body: string | null;
  headers?: Record<string, string>;
  code?: string;
}

interface Candidate {
  args: { name: string; type: string }[];
  required: number;
  returns: string;
  returnsSet: boolean;
}

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;
const rpcPath = /^\/rest\/v1\/rpc\/([^/?]+)$/;

function errorAnswer(status: number, error: ErrorBody): Answer {
  return { status, body: JSON.stringify(error), code: error.code };
}

/** PostgREST's SQLSTATE to HTTP status table (docs: references/errors.html), for a request that carried a JWT. */
function statusForSqlState(code: string): number {
  const exact: Record<string, number> = {
    '23503': 409,
    '23505': 409,
    '25006': 405,
    '53400': 500,
    P0001: 400,
    '42883': 404,
    '42P01': 404,
    '42P17': 500,
    '42501': 403,
  };
  const byClass: Record<string, number> = {
    '08': 503,
    '09': 500,
    '0L': 403,
    '0P': 403,
    '25': 500,
    '28': 403,
    '2D': 500,
    '38': 500,
    '39': 500,
    '3B': 500,
    '40': 500,
    '53': 503,
    '54': 500,
    '55': 500,
    '57': 500,
    '58': 500,
    F0: 500,
    HV: 500,
    P0: 500,
    XX: 500,
  };
  return exact[code] ?? byClass[code.slice(0, 2)] ?? 400;
}

function sqlError(error: unknown): Answer {
  const e = error as { code?: unknown; message?: unknown; detail?: unknown; hint?: unknown };
  const code = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : 'XX000';
  return errorAnswer(statusForSqlState(code), {
    code,
    details: typeof e.detail === 'string' ? e.detail : null,
    hint: typeof e.hint === 'string' ? e.hint : null,
    message: typeof e.message === 'string' ? e.message : String(error),
  });
}

function bearer(header: string | undefined): string | null {
  const match = header === undefined ? null : /^Bearer (.+)$/i.exec(header);
  return match?.[1] ?? null;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The schema cache lookup: overloads of public.<fn> with their input arguments, in declaration order. */
async function findCandidates(sql: SqlClient, fn: string): Promise<Candidate[]> {
  const rows = await sql.query<{ args: string; required: number; returns: string; returns_set: boolean }>(
    `select
       (select coalesce(json_agg(json_build_object('name', a.name, 'type', format_type(a.type, null)) order by a.ord),
                        '[]'::json)::text
        from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]),
                    coalesce(p.proargmodes, array_fill('i'::"char", array[p.pronargs::integer])),
                    coalesce(p.proargnames, array_fill(''::text, array[p.pronargs::integer])))
          with ordinality as a(type, mode, name, ord)
        where a.mode in ('i', 'b')) as args,
       (p.pronargs - p.pronargdefaults)::integer as required,
       format_type(p.prorettype, null) as returns,
       p.proretset as returns_set
     from pg_catalog.pg_proc p
     join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'public' and p.proname = $1 and p.prokind = 'f'`,
    [fn],
  );
  return rows.map((row) => ({
    args: JSON.parse(row.args) as { name: string; type: string }[],
    required: row.required,
    returns: row.returns,
    returnsSet: row.returns_set,
  }));
}

function matches(candidate: Candidate, names: string[]): boolean {
  const declared = candidate.args.map((a) => a.name);
  if (!names.every((name) => declared.includes(name))) return false;
  return declared.slice(0, candidate.required).every((name) => names.includes(name));
}

async function callFunction(
  options: PostgrestStandInOptions,
  fn: string,
  role: PostgrestRole,
  args: Record<string, unknown>,
  req: IncomingMessage,
): Promise<Answer> {
  const names = Object.keys(args);
  const candidates = identifier.test(fn)
    ? (await findCandidates(options.sql, fn)).filter((c) => matches(c, names))
    : [];
  const signature = `public.${fn}(${[...names].sort().join(', ')})`;
  if (candidates.length === 0 || !names.every((name) => identifier.test(name))) {
    return errorAnswer(404, {
      code: 'PGRST202',
      details: `Searched for the function public.${fn} with parameters ${[...names].sort().join(', ') || '(none)'}, but no matches were found in the schema cache.`,
      hint: null,
      message: `Could not find the function ${signature} in the schema cache`,
    });
  }
  const [candidate] = candidates;
  if (candidate === undefined || candidates.length > 1) {
    return errorAnswer(300, {
      code: 'PGRST203',
      details: null,
      hint: 'Try renaming the parameters or the function itself in the database so function overloading can be resolved',
      message: `Could not choose the best candidate function between overloads of ${signature}`,
    });
  }

  const used = candidate.args.filter((a) => names.includes(a.name));
  const call = `public.${fn}(${used.map((a) => `${a.name} => _.${a.name}`).join(', ')})`;
  const source =
    used.length === 0
      ? ''
      : ` from json_to_record($1::json) as _(${used.map((a) => `${a.name} ${a.type}`).join(', ')})`;
  const query = candidate.returnsSet
    ? `select coalesce(json_agg(r.v), '[]'::json)::text as body from (select ${call} as v${source}) r`
    : `select coalesce(to_json(${call}), 'null'::json)::text as body${source}`;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && name !== 'authorization' && name !== 'apikey') headers[name] = value;
  }

  const run = async (s: SqlSession): Promise<string> => {
    await s.exec('begin');
    try {
      await s.query(
        `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
                set_config('request.method', 'POST', true), set_config('request.path', $3, true),
                set_config('request.headers', $4, true)`,
        [role, JSON.stringify({ role }), `/rpc/${fn}`, JSON.stringify(headers)],
      );
      const rows = await s.query<{ body: string }>(query, used.length === 0 ? [] : [JSON.stringify(args)]);
      await s.exec('commit');
      return rows[0]?.body ?? 'null';
    } catch (error) {
      await s.exec('rollback');
      throw error;
    }
  };
  let body: string;
  try {
    body = await options.sql.session(run);
  } catch (error) {
    return sqlError(error);
  }
  if (candidate.returns === 'void' && !candidate.returnsSet) return { status: 204, body: null };
  return { status: 200, body, headers: candidate.returnsSet ? {} : { 'content-range': '0-0/*' } };
}

async function answer(
  options: PostgrestStandInOptions,
  req: IncomingMessage,
): Promise<Answer & { fn: string; role?: PostgrestRole }> {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const path = rpcPath.exec(url.pathname);
  const fn = path?.[1] === undefined ? '' : decodeURIComponent(path[1]);
  if (!path) {
    return {
      fn,
      ...errorAnswer(404, {
        code: 'PGRST125',
        details: null,
        hint: null,
        message: 'Invalid path specified in request URL',
      }),
    };
  }
  const apikey = header(req, 'apikey');
  const token = bearer(header(req, 'authorization'));
  const role = apikey === undefined ? undefined : options.keys[apikey];
  if (role === undefined || token !== apikey) {
    return {
      fn,
      ...errorAnswer(401, {
        code: 'PGRST301',
        details: null,
        hint: 'Double check the apikey header and the Authorization bearer: both must be a valid project API key.',
        message: apikey === undefined ? 'No API key found in request' : 'Invalid API key',
      }),
    };
  }
  if (req.method !== 'POST') {
    return {
      fn,
      ...errorAnswer(405, {
        code: 'PGRST117',
        details: null,
        hint: null,
        message: `Unsupported HTTP method: ${req.method}`,
      }),
    };
  }
  const profile = header(req, 'content-profile') ?? header(req, 'accept-profile');
  if (profile !== undefined && profile !== 'public') {
    return {
      fn,
      ...errorAnswer(406, {
        code: 'PGRST106',
        details: null,
        hint: 'Only the following schemas are exposed: public',
        message: 'Invalid schema',
      }),
    };
  }
  const text = await readBody(req);
  let args: unknown;
  try {
    args = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    return {
      fn,
      ...errorAnswer(400, {
        code: 'PGRST102',
        details: null,
        hint: null,
        message: `Empty or invalid json: ${(error as Error).message}`,
      }),
    };
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    return {
      fn,
      ...errorAnswer(400, {
        code: 'PGRST102',
        details: null,
        hint: null,
        message: 'Function arguments must be a JSON object',
      }),
    };
  }
  return { fn, role, ...(await callFunction(options, fn, role, args as Record<string, unknown>, req)) };
}

/** Start the PostgREST RPC stand-in on 127.0.0.1 (a free port); see the top comment for what it models. */
export async function startPostgrestStandIn(options: PostgrestStandInOptions): Promise<PostgrestStandIn> {
  const calls: PostgrestCall[] = [];
  const respond = (res: ServerResponse, reply: Answer) => {
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body !== null) headers['content-type'] = 'application/json; charset=utf-8';
    res.writeHead(reply.status, headers);
    res.end(reply.body ?? undefined);
  };
  const server = createServer((req, res) => {
    answer(options, req).then(
      (reply) => {
        calls.push({ fn: reply.fn, status: reply.status, role: reply.role ?? null, code: reply.code ?? null });
        respond(res, reply);
      },
      (error: unknown) => {
        calls.push({ fn: '', status: 500, role: null, code: 'XX000' });
        respond(res, sqlError(error));
      },
    );
  });
  const listening = await listenOnLoopback(server);
  return {
    url: listening.url,
    calls,
    close: listening.close,
  };
}
