import { ConflictError, NotFoundError, ValidationError } from "@beklijf/core";
import {
  createApiToken,
  createConsoleUser,
  generateConsolePassword,
  getConsoleUser,
  isRole,
  listApiTokens,
  listConsoleUsers,
  revokeApiToken,
  updateConsoleUser,
} from "@beklijf/db";
import type { Router } from "express";

import type { WebDeps } from "../deps";
import { requireRole, sessionOf } from "./auth";
import { formField, pageContext, routeParam } from "./context";
import { translate } from "./messages";
import type { ConsoleRender } from "./views";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Console users (admins only): create with a one-time password, change role, (de)activate. */
export function mountUserPages(
  router: Router,
  deps: Pick<WebDeps, "db">,
  render: ConsoleRender,
): void {
  router.use("/users", requireRole("admin"));

  router.get("/users", async (_req, res) => {
    const context = pageContext(res, "", "users");
    const me = sessionOf(res).user;
    const users = (await listConsoleUsers(deps.db, me.tenantId)).map((u) => ({
      ...u,
      isMe: u.id === me.id,
      roles: (["viewer", "editor", "admin"] as const).map((r) => ({
        value: r,
        selected: r === u.role,
      })),
    }));
    const tokens = await listApiTokens(deps.db, me.tenantId);
    res
      .type("html")
      .send(
        render(
          "users",
          { ...context, title: translate(context.locale, "users.title") },
          { users, tokens },
        ),
      );
  });

  router.post("/users", async (req, res) => {
    const email = formField(req.body, "email").trim().toLowerCase();
    const role = formField(req.body, "role");
    if (!EMAIL.test(email) || email.length > 254)
      throw new ValidationError(
        "Give the new user's email address, e.g. anna@example.com.",
        [{ path: ["email"], message: "must be an email address" }],
        "EMAIL_INVALID",
      );
    if (!isRole(role))
      throw new ValidationError(
        'The role is "viewer", "editor" or "admin".',
        [{ path: ["role"], message: "must be viewer, editor or admin" }],
        "ROLE_INVALID",
      );
    const password = generateConsolePassword();
    const user = await createConsoleUser(deps.db, {
      tenantId: sessionOf(res).user.tenantId,
      email,
      name: formField(req.body, "name"),
      role,
      password,
    });
    const context = pageContext(res, "", "users");
    res
      .type("html")
      .send(
        render(
          "user-created",
          { ...context, title: translate(context.locale, "users.title") },
          { user, password },
        ),
      );
  });

  router.post("/users/tokens", async (req, res) => {
    const name = formField(req.body, "name").trim();
    const role = formField(req.body, "role");
    if (name === "" || name.length > 80)
      throw new ValidationError(
        "Give the token a name of 1 to 80 characters, e.g. the script that uses it.",
        [{ path: ["name"], message: "1 to 80 characters" }],
        "API_TOKEN_INVALID",
      );
    if (!isRole(role))
      throw new ValidationError(
        'The role is "viewer", "editor" or "admin".',
        [{ path: ["role"], message: "must be viewer, editor or admin" }],
        "ROLE_INVALID",
      );
    const token = await createApiToken(deps.db, {
      tenantId: sessionOf(res).user.tenantId,
      name,
      role,
    });
    const context = pageContext(res, "", "users");
    res
      .type("html")
      .send(
        render(
          "token-created",
          { ...context, title: translate(context.locale, "tokens.title") },
          { name, role, token },
        ),
      );
  });

  router.post("/users/tokens/:id/revoke", async (req, res) => {
    await revokeApiToken(
      deps.db,
      sessionOf(res).user.tenantId,
      routeParam(req.params["id"]) ?? "",
    );
    res.redirect(303, "/console/users");
  });

  // After /users/tokens, which it would otherwise swallow.
  router.post("/users/:id", async (req, res) => {
    const me = sessionOf(res).user;
    const id = routeParam(req.params["id"]) ?? "";
    const target = await getConsoleUser(deps.db, me.tenantId, id);
    if (target === null)
      throw new NotFoundError(
        "No such console user.",
        "CONSOLE_USER_NOT_FOUND",
      );
    const role = formField(req.body, "role");
    const active = formField(req.body, "active");
    if (
      target.id === me.id &&
      (active === "false" || (role !== "" && role !== "admin"))
    )
      throw new ConflictError(
        "You cannot take away your own admin role or deactivate yourself; ask another admin.",
        "CONSOLE_USER_SELF",
      );
    await updateConsoleUser(deps.db, me.tenantId, target.id, {
      ...(isRole(role) ? { role } : {}),
      ...(active === "true" || active === "false"
        ? { active: active === "true" }
        : {}),
    });
    res.redirect(303, "/console/users");
  });
}
