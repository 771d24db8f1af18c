import { ValidationError } from "@beklijf/core";
import { systemClock } from "@beklijf/core";
import { ensureTenant, migrateRulePlans } from "@beklijf/db";
import { nudgeJobId } from "@beklijf/queue";
import type { Command } from "commander";

import type { CommandContext } from "./command-context";
import { openDatabase } from "./database";

/**
 * `beklijf rules migrate <key> [--dry-run] [--from 1,2]`: moves the rule's running plans to its
 * current version and prints the report as JSON. It leaves Redis alone: a pending job of a
 * cancelled nudge finds its row cancelled when it fires and sends nothing, and the engine's
 * reconciler gives the new nudges their jobs.
 */
export function registerRuleCommands(
  program: Command,
  context: CommandContext,
): void {
  const rules = program.command("rules").description("the tenant's rules");
  rules
    .command("migrate")
    .description(
      "move the active plans on older versions of a rule to its current version; prints what changed per version and step as JSON",
    )
    .argument("<key>", "the rule's key, e.g. after-completion")
    .option("--dry-run", "only report what would change")
    .option(
      "--from <versions>",
      "only plans on these versions, comma-separated, e.g. 1,2 (default: every older version)",
    )
    .action(
      async (key: string, options: { dryRun?: boolean; from?: string }) => {
        const fromVersions = parseVersions(options.from);
        const database = await openDatabase(context.config(), context.logger);
        try {
          const tenant = await ensureTenant(database.db);
          const { report } = await migrateRulePlans(database.db, {
            tenantId: tenant.id,
            ruleKey: key,
            dryRun: options.dryRun === true,
            fromVersions,
            now: systemClock.now(),
            jobIdFor: nudgeJobId,
          });
          context.print(report);
        } finally {
          await database.close();
        }
      },
    );
}

function parseVersions(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(",").map((part) => part.trim());
  if (parts.some((part) => !/^[1-9]\d*$/.test(part)))
    throw new ValidationError(
      `--from must list version numbers separated by commas, e.g. 1,2 (got "${text}").`,
      [],
      "MIGRATE_INVALID",
    );
  return parts.map(Number);
}
