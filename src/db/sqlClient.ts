/** The minimal SQL surface the PGlite and PostgreSQL adapters share: parameterised queries, multi-statement scripts,
 * and a pinned session for work that needs one connection (migrations, transactions). */
export interface SqlSession {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  exec(sql: string): Promise<void>;
}

export interface SqlClient extends SqlSession {
  /** Run fn on one connection (a transaction or advisory lock spans its calls). */
  session<T>(fn: (s: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
