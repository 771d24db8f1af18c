import { err, ok, type Result } from "@beklijf/core";

import { Prisma } from "./client";

/**
 * Runs `write`, and once more when the database refuses it for a reason of the moment (a
 * request error: unique-key race, serialization failure, deadlock). After the second refusal,
 * the database's reason as text; other errors (connection lost, our own errors) are thrown.
 */
export async function withOneRetry<T>(
  write: () => Promise<T>,
): Promise<Result<T, string>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return ok(await write());
    } catch (error) {
      const reason = rowDatabaseError(error);
      if (reason === undefined) throw error;
      if (attempt === 2)
        return err(`the database refused it twice (${reason})`);
    }
  }
}

/** The reason of a database error about one row's write, or undefined for any other error. */
function rowDatabaseError(error: unknown): string | undefined {
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    // P1xxx: the database itself is unreachable or gone; no point going on row by row.
    if (error.code.startsWith("P1")) return undefined;
    return error.code === "P2002"
      ? "another write of the same person at the same moment (unique key)"
      : `database error ${error.code}`;
  }
  if (error instanceof Prisma.PrismaClientUnknownRequestError)
    return `database error: ${error.message.split("\n").filter(Boolean).at(-1) ?? "unknown"}`;
  return undefined;
}
