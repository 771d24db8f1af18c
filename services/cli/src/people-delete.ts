import { createInterface } from "node:readline/promises";

import { NotFoundError, ValidationError } from "@beklijf/core";
import {
  deletePerson,
  describePersonRef,
  ensureTenant,
  findPersonByExactRef,
  parsePersonRef,
  PERSON_REF_FORMS,
} from "@beklijf/db";
import type { Command } from "commander";

import type { CommandContext } from "./command-context";
import { openDatabase } from "./database";
import { removeNudgeJobs } from "./nudge-jobs";

/**
 * `beklijf people delete <ref> [--yes]`: erases a person (see `deletePerson`) and prints what went
 * as JSON. Without --yes it names the person and asks on the terminal; without a terminal it
 * refuses. Then it removes their pending nudge jobs from Redis, best effort.
 */
export function registerPeopleDelete(
  people: Command,
  context: CommandContext,
): void {
  people
    .command("delete")
    .description(
      "erase a person with their statements, plans, nudges, deliveries, answers and the connection rejections that name them; prints what was erased as JSON",
    )
    .argument("<ref>", `${PERSON_REF_FORMS}, e.g. email:anna@example.com`)
    .option("--yes", "erase without asking (scripts)")
    .action(async (text: string, options: { yes?: boolean }) => {
      const cfg = context.config();
      const ref = parsePersonRef(text);
      const database = await openDatabase(cfg, context.logger);
      try {
        const tenant = await ensureTenant(database.db);
        const person = await findPersonByExactRef(database.db, tenant.id, ref);
        if (person === null)
          throw new NotFoundError(
            `No person ${describePersonRef(ref)} in the directory; nothing was erased.`,
            "PERSON_NOT_FOUND",
          );
        const who = [
          person.name,
          person.email,
          person.externalId === null
            ? null
            : `external id ${person.externalId}`,
          `id ${person.id}`,
        ]
          .filter((part) => part !== null)
          .join(", ");
        if (options.yes !== true) await confirm(who);
        const erased = await deletePerson(database.db, tenant.id, {
          kind: "id",
          id: person.id,
        });
        const jobs = await removeNudgeJobs(cfg, context.logger, erased.jobIds);
        if (jobs.unreachable !== undefined)
          process.stderr.write(
            `The person is erased, but ${jobs.unreachable}: their ${erased.jobIds.length} pending nudge jobs stay in Redis until their time, then find no nudge and send nothing.\n`,
          );
        context.print({
          erased: erased.person,
          ...erased.erased,
          pendingJobs: {
            nudges: erased.jobIds.length,
            removedFromRedis: jobs.removed,
            ...(jobs.unreachable === undefined
              ? {}
              : { redisUnreachable: jobs.unreachable }),
          },
        });
      } finally {
        await database.close();
      }
    });
}

/** Asks on the terminal; anything but "yes" (or no terminal at all) erases nothing. */
async function confirm(who: string): Promise<void> {
  if (!process.stdin.isTTY)
    throw new ValidationError(
      `Nothing was erased: erasing ${who} asks for confirmation on a terminal. Add --yes to erase without asking.`,
      [],
      "ERASE_NOT_CONFIRMED",
    );
  const prompt = createInterface({
    input: process.stdin,
    output: process.stderr,
  });
  try {
    const answer = await prompt.question(
      `Erase ${who} with all their data? This cannot be undone. Type yes to erase: `,
    );
    if (answer.trim().toLowerCase() !== "yes")
      throw new ValidationError(
        "Nothing was erased.",
        [],
        "ERASE_NOT_CONFIRMED",
      );
  } finally {
    prompt.close();
  }
}
