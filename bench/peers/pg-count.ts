// Counting rows in a peer's PostgreSQL tables through a connection of its own.
import pg from 'pg';

/** The number the first column of `sql`'s first row holds, on a short-lived connection to `url`. */
export async function countRows(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<Record<string, string>>(sql);
    return Number(Object.values(rows[0] ?? {})[0] ?? 0);
  } finally {
    await client.end();
  }
}

/** `fsync` and `synchronous_commit` as the server reports them. */
export async function serverDurability(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const show = async (name: string): Promise<string> =>
      (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name] ?? '?';
    return `fsync=${await show('fsync')}, synchronous_commit=${await show('synchronous_commit')}`;
  } finally {
    await client.end();
  }
}
