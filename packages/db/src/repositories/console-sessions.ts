import { randomToken, sha256Hex } from "@beklijf/core";

import type { DbClient } from "../client";
import { type ConsoleUserView, toConsoleUserView } from "./console-users";

export interface ConsoleSessionLimits {
  /** A session unused this long ends. */
  readonly idleMs: number;
  /** A session ends this long after sign-in, however active. */
  readonly absoluteMs: number;
}

export interface ConsoleSessionView {
  readonly id: string;
  readonly csrfToken: string;
  readonly user: ConsoleUserView;
}

/**
 * Starts a session for a signed-in user. Returns the cookie value once: only its sha256 is
 * stored, so a leaked database row cannot be replayed. `replacing` (the cookie the browser had
 * before signing in) is deleted in the same call, so a fixed session id never becomes valid.
 */
export async function startConsoleSession(
  db: DbClient,
  input: {
    userId: string;
    now: Date;
    limits: ConsoleSessionLimits;
    replacing?: string;
  },
): Promise<{ cookie: string; csrfToken: string }> {
  const cookie = randomToken(32);
  const csrfToken = randomToken(24);
  if (input.replacing !== undefined)
    await db.consoleSession.deleteMany({
      where: { tokenHash: sha256Hex(input.replacing) },
    });
  await db.consoleSession.create({
    data: {
      tokenHash: sha256Hex(cookie),
      userId: input.userId,
      csrfToken,
      createdAt: input.now,
      lastSeenAt: input.now,
      expiresAt: new Date(input.now.getTime() + input.limits.absoluteMs),
    },
  });
  await db.consoleUser.update({
    where: { id: input.userId },
    data: { lastSignInAt: input.now },
  });
  return { cookie, csrfToken };
}

/** How often lastSeenAt is written, at most: saves a write per page view. */
const TOUCH_EVERY_MS = 60_000;

/**
 * The session behind a cookie, or null when there is none, it has expired (idle or absolute) or
 * its user was deactivated. An expired session is deleted on sight.
 */
export async function findConsoleSession(
  db: DbClient,
  input: { cookie: string; now: Date; limits: ConsoleSessionLimits },
): Promise<ConsoleSessionView | null> {
  const row = await db.consoleSession.findUnique({
    where: { tokenHash: sha256Hex(input.cookie) },
    include: { user: true },
  });
  if (row === null) return null;
  const now = input.now.getTime();
  if (
    now >= row.expiresAt.getTime() ||
    now - row.lastSeenAt.getTime() >= input.limits.idleMs ||
    !row.user.active
  ) {
    await db.consoleSession.deleteMany({ where: { id: row.id } });
    return null;
  }
  if (now - row.lastSeenAt.getTime() >= TOUCH_EVERY_MS)
    await db.consoleSession.update({
      where: { id: row.id },
      data: { lastSeenAt: input.now },
    });
  return {
    id: row.id,
    csrfToken: row.csrfToken,
    user: toConsoleUserView(row.user),
  };
}

export async function endConsoleSession(
  db: DbClient,
  cookie: string,
): Promise<void> {
  await db.consoleSession.deleteMany({
    where: { tokenHash: sha256Hex(cookie) },
  });
}

/** Deletes sessions past their absolute end; returns how many. */
export async function deleteExpiredConsoleSessions(
  db: DbClient,
  now: Date,
): Promise<number> {
  const { count } = await db.consoleSession.deleteMany({
    where: { expiresAt: { lte: now } },
  });
  return count;
}
