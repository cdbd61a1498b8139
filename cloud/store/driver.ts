/** One SQL statement runner; `$1, $2 …` placeholders, `{now}` (the database clock in ms) and `{kinds:$n}` (a JSON
 * array parameter as a set) are rewritten per dialect, so both stores run the same statements. */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number }>;
}

export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs fn in one transaction (committed when it resolves, rolled back when it throws). */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** Runs fn while holding the store-wide migration lock (an advisory lock on PostgreSQL). */
  withMigrationLock<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const NOW = {
  sqlite: "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
  postgres: '(extract(epoch from clock_timestamp()) * 1000)::bigint',
};

/** Rewrites the shared statement syntax for a dialect. */
export function dialectSql(sql: string, dialect: 'sqlite' | 'postgres'): string {
  let s = sql.replaceAll('{now}', NOW[dialect]);
  s = s.replace(/\{set:\$(\d+)\}/g, (_m, n: string) =>
    dialect === 'sqlite' ? `(SELECT value FROM json_each($${n}))` : `(SELECT json_array_elements_text($${n}::json))`,
  );
  return dialect === 'sqlite' ? s.replace(/\$(\d+)/g, '@p$1') : s;
}
