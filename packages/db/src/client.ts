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
 * OLTP statements, which JIT does not speed up. A `SET`, not a startup option, so that it also
 * works through a pooler that refuses unknown startup parameters.
 */
export const SESSION_SETUP = "SET jit = off";

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

const SET_UP = Symbol("beklijf session set up");

/** SESSION_SETUP on a pooled connection the first time it is handed out. */
async function setUp(client: pg.PoolClient): Promise<void> {
  const marked = client as pg.PoolClient & { [SET_UP]?: true };
  if (marked[SET_UP] === true) return;
  await client.query(SESSION_SETUP);
  marked[SET_UP] = true;
}

/**
 * A pool whose connections run SESSION_SETUP before their first use, awaited (a query queued
 * from the pool's "connect" event would run on a client already busy, which node-postgres is
 * dropping). Both forms of `connect` are covered: `pool.query` uses the callback form.
 */
class SessionPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    if (callback === undefined)
      return super.connect().then(async (client) => {
        try {
          await setUp(client);
        } catch (error) {
          client.release(error instanceof Error ? error : true);
          throw error;
        }
        return client;
      });
    super.connect((err, client, done) => {
      if (err !== undefined || client === undefined) {
        callback(err, client, done);
        return;
      }
      setUp(client).then(
        () => {
          callback(undefined, client, done);
        },
        (error: unknown) => {
          const failure =
            error instanceof Error ? error : new Error(String(error));
          done(failure);
          callback(failure, undefined, () => undefined);
        },
      );
    });
  }
}

/** A node-postgres pool whose connections run SESSION_SETUP before their first query. */
export function sessionPool(config: pg.PoolConfig): pg.Pool {
  return new SessionPool(config);
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
