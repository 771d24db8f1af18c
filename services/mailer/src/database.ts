import type { PrismaClient } from "@beklijf/db";
import { openDatabase, type ProcessBase } from "@beklijf/runtime";

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

/** The mailer's database client: runtime's, with the delivery queries prepared once. */
export function openMailerDatabase(
  base: ProcessBase,
  options: { url: string; migrate: boolean },
): Promise<PrismaClient> {
  return openDatabase(base, { ...options, statementName: mailerStatementName });
}
