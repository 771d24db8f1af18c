import {
  ConflictError,
  isUuid,
  NotFoundError,
  randomToken,
} from "@beklijf/core";
import { hash, verify } from "@node-rs/argon2";

import { type DbClient, Prisma, type PrismaClient } from "../client";
import type { Role } from "./api-tokens";

export interface ConsoleUserView {
  readonly id: string;
  readonly tenantId: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly locale: string | null;
  readonly active: boolean;
  /** False for a user who can only sign in through single sign-on (later). */
  readonly hasPassword: boolean;
  readonly lastSignInAt: Date | null;
}

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const ARGON2_OPTIONS = {
  // Algorithm.Argon2id; a const enum, which isolatedModules cannot read.
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Shortest password we accept; long random ones are generated for the CLI and first start. */
export const CONSOLE_PASSWORD_MIN_LENGTH = 12;

/** A random password for `admin create` and the first start (about 120 bits). */
export function generateConsolePassword(): string {
  return randomToken(15);
}

export function isRole(value: unknown): value is Role {
  return value === "admin" || value === "editor" || value === "viewer";
}

type UserRow = Prisma.ConsoleUserGetPayload<object>;

/** The public view of a console_users row (never its password hash). */
export function toConsoleUserView(row: UserRow): ConsoleUserView {
  return {
    id: row.id,
    tenantId: row.tenantId,
    email: row.email,
    name: row.name,
    role: isRole(row.role) ? row.role : "viewer",
    locale: row.locale,
    active: row.active,
    hasPassword: row.passwordHash !== null,
    lastSignInAt: row.lastSignInAt,
  };
}

/**
 * Creates a console user; the password (when given) is stored as an argon2id hash. A user
 * without a password can only sign in through single sign-on, once that exists.
 */
export async function createConsoleUser(
  db: DbClient,
  input: {
    tenantId: string;
    email: string;
    name: string;
    role: Role;
    password?: string;
  },
): Promise<ConsoleUserView> {
  const email = input.email.trim().toLowerCase();
  try {
    const row = await db.consoleUser.create({
      data: {
        tenantId: input.tenantId,
        email,
        name: input.name.trim() || email,
        role: input.role,
        passwordHash:
          input.password === undefined
            ? null
            : await hash(input.password, ARGON2_OPTIONS),
      },
    });
    return toConsoleUserView(row);
  } catch (error) {
    if (
      error instanceof Prisma.PrismaClientKnownRequestError &&
      error.code === "P2002"
    )
      throw new ConflictError(
        `A console user with the email address ${email} already exists.`,
        "CONSOLE_USER_EXISTS",
      );
    throw error;
  }
}

export async function countConsoleUsers(
  db: DbClient,
  tenantId: string,
): Promise<number> {
  return db.consoleUser.count({ where: { tenantId } });
}

export async function listConsoleUsers(
  db: DbClient,
  tenantId: string,
): Promise<ConsoleUserView[]> {
  const rows = await db.consoleUser.findMany({
    where: { tenantId },
    orderBy: { email: "asc" },
  });
  return rows.map(toConsoleUserView);
}

export async function getConsoleUser(
  db: DbClient,
  tenantId: string,
  id: string,
): Promise<ConsoleUserView | null> {
  if (!isUuid(id)) return null;
  const row = await db.consoleUser.findFirst({ where: { tenantId, id } });
  return row === null ? null : toConsoleUserView(row);
}

/** Role, name, locale or active flag; deactivating ends the user's sessions at once. */
export async function updateConsoleUser(
  db: DbClient,
  tenantId: string,
  id: string,
  change: {
    role?: Role;
    name?: string;
    locale?: string | null;
    active?: boolean;
  },
): Promise<ConsoleUserView> {
  const found = isUuid(id)
    ? await db.consoleUser.findFirst({ where: { tenantId, id } })
    : null;
  if (found === null)
    throw new NotFoundError("No such console user.", "CONSOLE_USER_NOT_FOUND");
  const row = await db.consoleUser.update({ where: { id }, data: change });
  if (change.active === false)
    await db.consoleSession.deleteMany({ where: { userId: id } });
  return toConsoleUserView(row);
}

/** A dummy hash to verify against when the account does not exist, so timing does not tell. */
let dummyHash: Promise<string> | undefined;

/**
 * Checks an email address and password. Returns the user only when the account exists, is
 * active, has a password and it matches; every failure takes about as long as a success.
 */
export async function verifyConsolePassword(
  db: DbClient,
  input: { tenantId: string; email: string; password: string },
): Promise<ConsoleUserView | null> {
  const row = await db.consoleUser.findUnique({
    where: {
      tenantId_email: {
        tenantId: input.tenantId,
        email: input.email.trim().toLowerCase(),
      },
    },
  });
  if (row?.passwordHash == null) {
    dummyHash ??= hash(randomToken(16), ARGON2_OPTIONS);
    await verify(await dummyHash, input.password).catch(() => false);
    return null;
  }
  const matches = await verify(row.passwordHash, input.password).catch(
    () => false,
  );
  return matches && row.active ? toConsoleUserView(row) : null;
}

/** Arbitrary but fixed: serialises first-admin creation across processes starting together. */
const FIRST_ADMIN_LOCK_KEY = 4_711_020_006;

/** The sign-in of the console admin made on first start. */
const FIRST_CONSOLE_ADMIN_EMAIL = "admin@beklijf.localhost";

/**
 * The embedded default's first console admin: when the tenant has no console user at all,
 * creates `admin@beklijf.localhost` with a random password and returns both (show them once).
 * Otherwise returns undefined. Safe when replicas start together (advisory lock).
 */
export async function ensureFirstConsoleAdmin(
  db: PrismaClient,
  tenantId: string,
): Promise<{ email: string; password: string } | undefined> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FIRST_ADMIN_LOCK_KEY})`;
    if ((await countConsoleUsers(tx, tenantId)) > 0) return undefined;
    const password = generateConsolePassword();
    await createConsoleUser(tx, {
      tenantId,
      email: FIRST_CONSOLE_ADMIN_EMAIL,
      name: "Admin",
      role: "admin",
      password,
    });
    return { email: FIRST_CONSOLE_ADMIN_EMAIL, password };
  });
}
