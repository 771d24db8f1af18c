import { ValidationError } from "@beklijf/core";
import {
  CONSOLE_PASSWORD_MIN_LENGTH,
  createConsoleUser,
  ensureTenant,
  generateConsolePassword,
  isRole,
} from "@beklijf/db";
import type { Command } from "commander";

import type { CliDatabase } from "./database";

/** What `admin create` needs from the CLI's composition root. */
export interface AdminCommandDeps {
  openDatabase(): Promise<CliDatabase>;
  readStdin(): Promise<string>;
  print(value: unknown): void;
  consoleUrl(): string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * `beklijf admin create --email X [--name N] [--role admin|editor|viewer] [--password-stdin]`:
 * a console user. Without --password-stdin a random password is generated and printed once;
 * only its argon2id hash is stored.
 */
export function registerAdminCommands(
  program: Command,
  deps: AdminCommandDeps,
): void {
  const admin = program
    .command("admin")
    .description("people who sign in to the console");
  admin
    .command("create")
    .description(
      "create a console user; prints { email, role, password, console } (the password is shown once)",
    )
    .requiredOption(
      "--email <email>",
      "the sign-in address, e.g. anna@example.com",
    )
    .option(
      "--name <name>",
      "the name shown in the console (default: the email address)",
    )
    .option("--role <role>", "admin, editor or viewer", "admin")
    .option(
      "--password-stdin",
      `read the password from standard input (at least ${CONSOLE_PASSWORD_MIN_LENGTH} characters) instead of generating one`,
    )
    .action(
      async (options: {
        email: string;
        name?: string;
        role: string;
        passwordStdin?: boolean;
      }) => {
        const email = options.email.trim().toLowerCase();
        if (!EMAIL.test(email))
          throw new ValidationError(
            `--email takes an email address, e.g. anna@example.com; got "${options.email}".`,
            [],
            "EMAIL_INVALID",
          );
        const role = options.role;
        if (!isRole(role))
          throw new ValidationError(
            `--role is admin, editor or viewer; got "${role}".`,
            [],
            "ROLE_INVALID",
          );
        let password: string;
        if (options.passwordStdin === true) {
          password = (await deps.readStdin()).replace(/\r?\n$/, "");
          if (password.length < CONSOLE_PASSWORD_MIN_LENGTH)
            throw new ValidationError(
              `The password on standard input must have at least ${CONSOLE_PASSWORD_MIN_LENGTH} characters; it has ${password.length}.`,
              [],
              "PASSWORD_TOO_SHORT",
            );
        } else password = generateConsolePassword();
        const database = await deps.openDatabase();
        try {
          const tenant = await ensureTenant(database.db);
          const user = await createConsoleUser(database.db, {
            tenantId: tenant.id,
            email,
            name: options.name ?? email,
            role,
            password,
          });
          deps.print({
            email: user.email,
            role: user.role,
            ...(options.passwordStdin === true ? {} : { password }),
            console: deps.consoleUrl(),
          });
        } finally {
          await database.close();
        }
      },
    );
}
