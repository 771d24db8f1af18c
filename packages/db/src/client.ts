import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

import { Prisma, PrismaClient } from "./generated/prisma/client";

export { Prisma, PrismaClient };

/** A client or a transaction: repositories take either, so callers decide the transaction. */
export type DbClient = PrismaClient | Prisma.TransactionClient;

/**
 * Opens a Prisma client on node-postgres (Prisma 7's driver adapter; no native query engine).
 * `statementName` names queries to run as prepared statements (planned once per connection);
 * "" leaves a query unnamed, as every query is by default.
 */
export function createDb(
  connectionString: string,
  options: {
    poolSize?: number;
    statementName?: (query: { readonly sql: string }) => string;
  } = {},
): PrismaClient {
  const pool = sessionPool({ connectionString, max: options.poolSize ?? 10 });
  const adapter = new PrismaPg(pool, {
    disposeExternalPool: true,
    ...(options.statementName === undefined
      ? {}
      : { statementNameGenerator: options.statementName }),
  });
  return new PrismaClient({ adapter });
}

/**
 * What every beklijf connection sets when it opens: `jit = off`. Postgres compiles a query with
 * LLVM when its estimated cost passes `jit_above_cost` (100,000 by default), on every execution;
 * the fire path's re-check queries cross it (their per-row subqueries are estimated as scans) and
 * spent about 90 ms compiling to run in 1-2 ms (docs/benchmarks.md). beklijf's queries are short
 * OLTP statements, which JIT does not speed up. A `SET`, not a startup option, which PgBouncer
 * refuses unless configured to ignore it. Behind a transaction-mode pooler a session `SET` does
 * not follow the connection: there, set it for the role (`ALTER ROLE … SET jit = off`).
 */
export const SESSION_SETUP = "SET jit = off";

/** A node-postgres pool whose connections run SESSION_SETUP before their first query. */
export function sessionPool(config: pg.PoolConfig): pg.Pool {
  // pg-pool awaits onConnect before it hands the new client out (its idle error listener still
  // attached), and ends the client and passes the error on when the hook fails.
  return new pg.Pool({
    ...config,
    // @types/pg types the hook as returning void; pg-pool (3.14) awaits a returned promise.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    onConnect: (client) => client.query(SESSION_SETUP),
  });
}

/** True when the database answers within the timeout. */
export async function pingDb(
  db: PrismaClient,
  timeoutMs = 1_000,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      db.$queryRaw`SELECT 1`.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => {
          resolve(false);
        }, timeoutMs);
      }),
    ]);
  } catch {
    return false;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
