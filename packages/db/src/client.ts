import { PrismaPg } from "@prisma/adapter-pg";

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
  const adapter = new PrismaPg(
    { connectionString, max: options.poolSize ?? 10 },
    options.statementName === undefined
      ? undefined
      : { statementNameGenerator: options.statementName },
  );
  return new PrismaClient({ adapter });
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
