import { ForbiddenError, UnauthorizedError } from "@beklijf/core";
import { findApiToken, type Role } from "@beklijf/db";
import type { RequestHandler } from "express";

import type { WebDeps } from "../deps";

/**
 * Admin API token, as `Authorization: Bearer <token>` (scripts) or as the password of HTTP Basic
 * (a browser's sign-in prompt). Sessions for the console come with issue #6.
 */
export function requireToken(deps: Pick<WebDeps, "db">): RequestHandler {
  return (req, res, next) => {
    const header = req.get("authorization") ?? "";
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header)?.[1];
    const token =
      bearer ??
      (basic === undefined
        ? undefined
        : Buffer.from(basic, "base64")
            .toString("utf8")
            .split(":")
            .slice(1)
            .join(":"));
    if (token === undefined || token === "") {
      next(
        new UnauthorizedError(
          "Sign in with an admin API token (Bearer, or as the password of HTTP Basic).",
          "TOKEN_MISSING",
        ),
      );
      return;
    }
    findApiToken(deps.db, token)
      .then((found) => {
        if (found === null) {
          next(new UnauthorizedError("Unknown API token.", "TOKEN_INVALID"));
          return;
        }
        res.locals["tenantId"] = found.tenantId;
        res.locals["role"] = found.role;
        res.locals["tokenName"] = found.name;
        next();
      })
      .catch(next);
  };
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

/** Refuses (403) a token whose role is below `role`; use after requireToken. */
export function requireRole(role: Role): RequestHandler {
  return (_req, res, next) => {
    const given: unknown = res.locals["role"];
    if (isRole(given) && RANK[given] >= RANK[role]) {
      next();
      return;
    }
    next(new ForbiddenError(`This needs the ${role} role.`, "ROLE_REQUIRED"));
  };
}

function isRole(value: unknown): value is Role {
  return value === "viewer" || value === "editor" || value === "admin";
}
