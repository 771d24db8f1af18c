import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";

import { errorMessage, ValidationError } from "@beklijf/core";
import { systemClock } from "@beklijf/core";
import {
  ensureTenant,
  ImportHeaderError,
  importPeople,
  simulateStatement,
} from "@beklijf/db";
import { formatTimeline } from "@beklijf/rules";
import type { Command } from "commander";

import type { CommandContext } from "./command-context";
import { openDatabase } from "./database";
import { registerPeopleDelete } from "./people-delete";
import { readJsonFile } from "./read-json-file";

/**
 * `beklijf people import FILE.csv`: progress on stderr, the JSON report on stdout. The running
 * engine plans the statements that waited for these people on its next reconciler pass.
 * `beklijf people delete REF`: see people-delete.ts.
 */
export function registerPeopleCommands(
  program: Command,
  context: CommandContext,
): void {
  const people = program.command("people").description("the people directory");
  people
    .command("import")
    .description(
      "import people from a CSV file (header: email, externalId, name, givenName, locale, timeZone, manager, teamLead, active, accountHomePage, accountName, openid)",
    )
    .argument("<file>", "a CSV file")
    .action(async (file: string) => {
      const cfg = context.config();
      try {
        await access(file);
      } catch (error) {
        throw new ValidationError(
          `Cannot read ${file}: ${errorMessage(error)}`,
          [],
          "FILE_INVALID",
        );
      }
      const database = await openDatabase(cfg, context.logger);
      try {
        const tenant = await ensureTenant(database.db);
        const report = await importPeople(database.db, {
          tenantId: tenant.id,
          source: createReadStream(file),
          defaults: {
            locale: tenant.defaultLocale,
            timeZone: tenant.defaultTimeZone,
          },
          onProgress: ({ rows, failed }) => {
            process.stderr.write(`${rows} rows read, ${failed} refused\n`);
          },
          onLinkProgress: ({ linked, total }) => {
            process.stderr.write(
              `managers and team leads: ${linked} of ${total} rows linked\n`,
            );
          },
        });
        const { pendingStatementIds, ...rest } = report;
        context.print({
          ...rest,
          pendingStatements: pendingStatementIds.length,
        });
        if (report.failed > 0) process.exitCode = 2;
      } catch (error) {
        if (error instanceof ImportHeaderError)
          throw new ValidationError(error.message, [], error.code);
        throw error;
      } finally {
        await database.close();
      }
    });
  registerPeopleDelete(people, context);

  program
    .command("simulate")
    .description(
      "print the nudges a statement would plan: when (in the recipient's zone), to whom, which template, what moved or was dropped and why; writes nothing",
    )
    .requiredOption("--statement <file>", "a JSON file with one xAPI statement")
    .option(
      "--rules <file>",
      "a rules.json to try (default: the tenant's current rules)",
    )
    .option(
      "--person <email|externalId>",
      "plan for this person (default: the statement's actor)",
    )
    .option("--at <iso>", "when the statement happens (default: its timestamp)")
    .option("--json", "print the timeline as JSON")
    .action(
      async (options: {
        statement: string;
        rules?: string;
        person?: string;
        at?: string;
        json?: boolean;
      }) => {
        const cfg = context.config();
        const statement = await readJsonFile(options.statement);
        const rules =
          options.rules === undefined
            ? undefined
            : { json: await readJsonFile(options.rules), file: options.rules };
        const at = options.at === undefined ? undefined : new Date(options.at);
        if (at !== undefined && Number.isNaN(at.getTime()))
          throw new ValidationError(
            `--at ${options.at} is not a date and time; write e.g. 2030-03-04T09:00:00+01:00`,
            [],
            "AT_INVALID",
          );
        const database = await openDatabase(cfg, context.logger);
        try {
          const tenant = await ensureTenant(database.db);
          const simulation = await simulateStatement(database.db, {
            tenantId: tenant.id,
            statement,
            rules,
            person: options.person,
            at,
            clock: systemClock,
          });
          if (options.json === true) context.print(simulation);
          else
            process.stdout.write(
              `Learner: ${simulation.learner.email ?? simulation.learner.id}${simulation.learner.known ? "" : " (not in the directory: tenant defaults, no manager)"}, ${simulation.learner.timeZone}\nTrigger: ${simulation.triggeredAt.toISOString()}\n\n${formatTimeline(simulation.timeline)}`,
            );
        } finally {
          await database.close();
        }
      },
    );
}
