import { PrismaClient } from "@beklijf/db";
import { openDatabase, type ProcessBase } from "@beklijf/runtime";
import { PrismaPg } from "@prisma/adapter-pg";

/**
 * The name a query runs under as a prepared statement, or "" (unnamed: planned at every run).
 * Only the mailer's per-batch delivery queries are named, by the comment they start with
 * (`/* mailer:<name> *\/`, in packages/db's deliveries repository): their text never changes, and
 * Postgres otherwise plans the delivery load (eight tables) afresh for every batch, which cost more
 * than running it. node-postgres prepares a named statement once per connection.
 */
export function mailerStatementName(query: { readonly sql: string }): string {
  return /^\s*\/\* (mailer:[a-z-]+) \*\//.exec(query.sql)?.[1] ?? "";
}

/**
 * The mailer's database client: as `openDatabase` of @beklijf/runtime makes it (migrations on
 * start when asked, a pool of 10, closed at exit), with the delivery queries prepared once.
 * `openDatabase` runs the migrations; the client it returns stays unused (a client opens no
 * connection before its first query) and is closed at exit with the other.
 */
export async function openMailerDatabase(
  base: ProcessBase,
  options: { url: string; migrate: boolean },
): Promise<PrismaClient> {
  await openDatabase(base, options);
  const adapter = new PrismaPg(
    { connectionString: options.url, max: 10 },
    { statementNameGenerator: mailerStatementName },
  );
  const db = new PrismaClient({ adapter });
  base.cleanups.add(() => db.$disconnect());
  return db;
}
