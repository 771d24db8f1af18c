import {
  cliSchema,
  CONFIG_EXAMPLES,
  ConfigError,
  loadConfig,
} from "@beklijf/config";
import {
  BeklijfError,
  errorMessage,
  type Logger,
  NotFoundError,
  silentLogger,
  systemClock,
  ValidationError,
} from "@beklijf/core";
import {
  type ConnectionView,
  createConnection,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  ensureTenant,
  findConnectionByName,
  getConnectionHealth,
  listConnections,
  listRejections,
  type PrismaClient,
  rotateConnectionSecret,
  storeStatements,
  updateConnection,
} from "@beklijf/db";
import { statementSliceHandOffs } from "@beklijf/queue";
import { batchValidationError, prepareStatements } from "@beklijf/xapi";
import { Command, CommanderError } from "commander";

import { registerAdminCommands } from "./admin";
import { lrsInput, type LrsOptions } from "./connection-lrs";
import { openDatabase } from "./database";
import { registerPeopleCommands } from "./people-commands";
import { registerPreviewCommand } from "./preview";
import { readJsonFile } from "./read-json-file";
import { registerRuleCommands } from "./rules-commands";

// The composition root of `npx beklijf`: the only place in the CLI that reads process.env.
// Exit codes: 0 ok, 1 unexpected failure, 2 bad input or configuration, 4 not found.

const logger: Logger =
  process.env["BEKLIJF_CLI_DEBUG"] === "1"
    ? {
        ...silentLogger,
        info: (o, m) =>
          process.stderr.write(`${m ?? ""} ${JSON.stringify(o)}\n`),
      }
    : silentLogger;

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function config() {
  return loadConfig(cliSchema, process.env, CONFIG_EXAMPLES);
}

function publicUrl(cfg: ReturnType<typeof config>): string {
  return (cfg.BEKLIJF_PUBLIC_URL ?? `http://localhost:${cfg.PORT}`).replace(
    /\/+$/,
    "",
  );
}

const program = new Command()
  .name("beklijf")
  .description(
    "beklijf: follow up trainings with well-timed nudges, driven by xAPI.\nUses DATABASE_URL, or the embedded Postgres of `npm start` when it is unset.",
  )
  .showHelpAfterError()
  .exitOverride();

program
  .command("migrate")
  .description("apply pending database migrations (npm start does this too)")
  .action(async () => {
    const cfg = config();
    const database = await openDatabase(cfg, logger);
    await database.close();
    print({ migrated: true });
  });

const connection = program
  .command("connection")
  .description(
    "LMS connections: they push xAPI statements to us, or we pull them from their LRS",
  );

connection
  .command("create")
  .description(
    "create HTTP Basic credentials for an LMS; prints { endpoint, key, secret } (the secret is shown once)",
  )
  .requiredOption("--name <name>", "a name for the connection, e.g. moodle")
  .option(
    "--rate-limit <perMinute>",
    `requests per minute before 429, or "none" (default: ${DEFAULT_RATE_LIMIT_PER_MINUTE})`,
  )
  .option(
    "--pull-from <url>",
    "pull mode: read statements from this LRS (its xAPI base URL) instead of waiting for pushes",
  )
  .option(
    "--forward-to <url>",
    "a push connection that sends learners' answers to this LRS as xAPI statements",
  )
  .option("--forward-answers", "with --pull-from: send answers to that LRS too")
  .option("--lrs-user <name>", "HTTP Basic user name at the LRS")
  .option(
    "--lrs-password-file <file>",
    "a file whose first line is the LRS password (stored encrypted)",
  )
  .option(
    "--pull-interval <seconds>",
    "seconds between reads of the LRS (default: 60)",
  )
  .action(
    async (options: { name: string; rateLimit?: string } & LrsOptions) => {
      const cfg = config();
      const rateLimitPerMinute =
        options.rateLimit === undefined
          ? undefined
          : parseRateLimit(options.rateLimit);
      const lrs = lrsInput(options, cfg);
      const database = await openDatabase(cfg, logger);
      try {
        const tenant = await ensureTenant(database.db);
        const { connection: created, secret } = await createConnection(
          database.db,
          {
            tenantId: tenant.id,
            name: options.name.trim(),
            ...(rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute }),
            ...lrs,
          },
        );
        print({
          endpoint: `${publicUrl(cfg)}/xapi`,
          key: created.key,
          secret,
          name: created.name,
          ...(created.lrsEndpoint === null
            ? {}
            : {
                mode: created.mode,
                lrsEndpoint: created.lrsEndpoint,
                pullIntervalSeconds: created.pullIntervalSeconds,
                forwardAnswers: created.forwardAnswers,
              }),
        });
      } finally {
        await database.close();
      }
    },
  );

connection
  .command("list")
  .description("list connections (never their secrets)")
  .action(async () => {
    const cfg = config();
    const database = await openDatabase(cfg, logger);
    try {
      const tenant = await ensureTenant(database.db);
      print(
        (await listConnections(database.db, tenant.id)).map((c) => ({
          name: c.name,
          key: c.key,
          mode: c.mode,
          enabled: c.enabled,
          rateLimitPerMinute: c.rateLimitPerMinute,
        })),
      );
    } finally {
      await database.close();
    }
  });

/** Runs `work` on the default tenant's connection named `name`; exit 4 when there is none. */
async function withConnection(
  name: string,
  work: (db: PrismaClient, connection: ConnectionView) => Promise<unknown>,
): Promise<void> {
  const cfg = config();
  const database = await openDatabase(cfg, logger);
  try {
    const tenant = await ensureTenant(database.db);
    const found = await findConnectionByName(
      database.db,
      tenant.id,
      name.trim(),
    );
    if (found === null)
      throw new NotFoundError(
        `No connection named "${name}"; list them with: npx beklijf connection list`,
        "CONNECTION_NOT_FOUND",
      );
    print(await work(database.db, found));
  } finally {
    await database.close();
  }
}

for (const enabled of [false, true])
  connection
    .command(enabled ? "enable" : "disable")
    .description(
      enabled
        ? "accept the connection's requests again"
        : "refuse the connection's requests (401), within a second",
    )
    .requiredOption("--name <name>", "the connection's name")
    .action((options: { name: string }) =>
      withConnection(options.name, async (db, found) => {
        const updated = await updateConnection(db, found.tenantId, found.id, {
          enabled,
        });
        return { name: updated.name, key: updated.key, enabled };
      }),
    );

connection
  .command("rotate")
  .description(
    "replace the connection's secret; prints { key, secret } (shown once) and the old secret stops working within a second",
  )
  .requiredOption("--name <name>", "the connection's name")
  .action((options: { name: string }) =>
    withConnection(options.name, async (db, found) => {
      const { connection: rotated, secret } = await rotateConnectionSecret(
        db,
        found.tenantId,
        found.id,
      );
      return { key: rotated.key, secret };
    }),
  );

connection
  .command("health")
  .description(
    "accepted and rejected counts, last received, and the last rejections with reason and statement",
  )
  .requiredOption("--name <name>", "the connection's name")
  .action((options: { name: string }) =>
    withConnection(options.name, async (db, found) => ({
      name: found.name,
      key: found.key,
      enabled: found.enabled,
      rateLimitPerMinute: found.rateLimitPerMinute,
      mode: found.mode,
      ...(found.lrsEndpoint === null
        ? {}
        : {
            lrsEndpoint: found.lrsEndpoint,
            forwardAnswers: found.forwardAnswers,
          }),
      ...(await getConnectionHealth(db, found)),
      rejections: await listRejections(db, found.id),
    })),
  );

function parseRateLimit(value: string): number | null {
  if (value === "none") return null;
  const perMinute = Number(value);
  if (!Number.isInteger(perMinute) || perMinute < 1)
    throw new ValidationError(
      `--rate-limit takes a whole number of requests per minute (at least 1) or "none"; got "${value}".`,
      [],
      "RATE_LIMIT_INVALID",
    );
  return perMinute;
}

const statement = program.command("statement").description("xAPI statements");

statement
  .command("send")
  .description(
    "store statements from a JSON file (one statement or an array) as if the connection's LMS had sent them",
  )
  .argument("<file>", "a JSON file")
  .option(
    "--connection <name>",
    "the connection they arrive on (default: the only one there is)",
  )
  .action(async (file: string, options: { connection?: string }) => {
    const cfg = config();
    const json = await readJsonFile(file);
    const batch = prepareStatements(json, { clock: systemClock });
    if (!batch.ok) throw batchValidationError(batch.error);
    const prepared = batch.value;
    const database = await openDatabase(cfg, logger);
    try {
      const tenant = await ensureTenant(database.db);
      const all = await listConnections(database.db, tenant.id);
      const chosen =
        options.connection === undefined
          ? all.length === 1
            ? all[0]
            : undefined
          : await findConnectionByName(
              database.db,
              tenant.id,
              options.connection,
            );
      if (chosen === undefined || chosen === null) {
        throw new ValidationError(
          options.connection === undefined
            ? `Name the connection with --connection (there are ${all.length}: ${all.map((c) => c.name).join(", ") || "none; create one with: npx beklijf connection create --name moodle"}).`
            : `No connection named "${options.connection}".`,
          [],
          "CONNECTION_UNKNOWN",
        );
      }
      const result = await storeStatements(database.db, {
        tenantId: tenant.id,
        connectionId: chosen.id,
        statements: prepared,
        handOffs: (ids) => statementSliceHandOffs(tenant.id, ids),
      });
      print({
        ids: result.ids,
        stored: result.newIds.length,
        duplicates: result.ids.length - result.newIds.length,
        note: "the running engine picks them up from the outbox within seconds",
      });
    } finally {
      await database.close();
    }
  });

registerAdminCommands(program, {
  openDatabase: () => openDatabase(config(), logger),
  readStdin: async () => {
    let text = "";
    for await (const chunk of process.stdin) text += String(chunk);
    return text;
  },
  print,
  consoleUrl: () => `${publicUrl(config())}/console`,
});
registerPeopleCommands(program, { config, logger, print });
registerRuleCommands(program, { config, logger, print });
registerPreviewCommand(program, print);

async function run(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError)
      process.exit(error.exitCode === 0 ? 0 : 2);
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof ValidationError) {
      process.stderr.write(
        [
          error.message,
          ...error.issues.map(
            (i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`,
          ),
        ].join("\n") + "\n",
      );
      process.exit(2);
    }
    if (error instanceof BeklijfError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(error.code.endsWith("NOT_FOUND") ? 4 : 2);
    }
    process.stderr.write(`beklijf failed: ${errorMessage(error)}\n`);
    process.exit(1);
  }
}

void run();
