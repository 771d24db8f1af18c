import { NotFoundError, randomId, ValidationError } from "@beklijf/core";
import {
  type ConnectionChanges,
  type ConnectionView,
  createConnection,
  findConnection,
  getConnectionHealth,
  listConnections,
  listRejections,
  rotateConnectionSecret,
  storeStatements,
  touchConnectionReceived,
  updateConnection,
} from "@beklijf/db";
import { statementSliceHandOffs } from "@beklijf/queue";
import { batchValidationError, prepareStatements } from "@beklijf/xapi";
import type { Request, Response, Router } from "express";
import { z } from "zod";

import { LrsSettings, PullIntervalSeconds } from "../api-schemas";
import type { WebDeps } from "../deps";
import { requireRole, sessionOf } from "./auth";
import { formField, pageContext, routeParam } from "./context";
import { translate } from "./messages";
import type { ConsoleRender } from "./views";

const CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5";
const MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon";

/** A cmi5 course completion by `email`, of the activity "beklijf test". */
export function sampleCompletion(
  email: string,
  name: string,
  publicUrl: string,
) {
  return {
    actor: { objectType: "Agent", mbox: `mailto:${email}`, name },
    verb: {
      id: "http://adlnet.gov/expapi/verbs/completed",
      display: { "en-US": "completed" },
    },
    object: {
      objectType: "Activity",
      id: `${publicUrl}/console/test-activity`,
      definition: {
        type: "https://w3id.org/xapi/cmi5/activitytype/course",
        name: { "nl-NL": "beklijf test", "en-US": "beklijf test" },
      },
    },
    result: { completion: true, duration: "PT12M" },
    context: {
      registration: randomId(),
      contextActivities: {
        category: [{ id: CMI5_CATEGORY }, { id: MOVEON_CATEGORY }],
      },
    },
  };
}

async function connectionOr404(
  deps: Pick<WebDeps, "db">,
  req: Request,
  res: Response,
): Promise<ConnectionView> {
  const id = routeParam(req.params["id"]);
  const found =
    id === undefined
      ? null
      : await findConnection(deps.db, sessionOf(res).user.tenantId, id);
  if (found === null)
    throw new NotFoundError("No such connection.", "CONNECTION_NOT_FOUND");
  return found;
}

/** Connections: list with live counts, create, rotate, enable/disable, rejections, test, guides. */
export function mountConnectionPages(
  router: Router,
  deps: Pick<WebDeps, "db" | "clock" | "publicUrl" | "secret">,
  render: ConsoleRender,
): void {
  const endpoint = `${deps.publicUrl}/xapi`;
  const withHealth = async (c: ConnectionView) => ({
    ...c,
    ...(await getConnectionHealth(deps.db, c)),
  });

  router.get("/connections", async (_req, res) => {
    const context = pageContext(res, "", "connections");
    const all = await listConnections(deps.db, sessionOf(res).user.tenantId);
    res
      .type("html")
      .send(
        render(
          "connections",
          { ...context, title: translate(context.locale, "connections.title") },
          { connections: await Promise.all(all.map(withHealth)), endpoint },
        ),
      );
  });

  /** Live counts as JSON, for scripts and a page that wants to refresh them. */
  router.get("/api/connections", async (_req, res) => {
    const all = await listConnections(deps.db, sessionOf(res).user.tenantId);
    const rows = await Promise.all(all.map(withHealth));
    res.json(
      rows.map((c) => ({
        id: c.id,
        name: c.name,
        enabled: c.enabled,
        acceptedCount: c.acceptedCount,
        rejectedCount: c.rejectedCount,
        lastReceivedAt: c.lastReceivedAt,
      })),
    );
  });

  const showCredentials = (
    res: Response,
    connection: ConnectionView,
    secret: string,
    heading: string,
  ) => {
    const context = pageContext(res, "", "connections");
    res
      .type("html")
      .send(
        render(
          "connection-secret",
          { ...context, title: translate(context.locale, heading) },
          { connection, secret, endpoint, heading },
        ),
      );
  };

  router.post("/connections", requireRole("admin"), async (req, res) => {
    const name = formField(req.body, "name").trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(name))
      throw new ValidationError(
        "A connection's name is 1 to 64 letters, digits, spaces, dots, dashes or underscores, e.g. moodle.",
        [{ path: ["name"], message: "letters, digits, space . _ - (1 to 64)" }],
        "CONNECTION_NAME_INVALID",
      );
    const { connection, secret } = await createConnection(deps.db, {
      tenantId: sessionOf(res).user.tenantId,
      name,
    });
    showCredentials(res, connection, secret, "connections.created");
  });

  router.get("/connections/:id", async (req, res) => {
    const connection = await connectionOr404(deps, req, res);
    const context = pageContext(res, connection.name, "connections");
    const rejections = (await listRejections(deps.db, connection.id, 20)).map(
      (r) => ({
        ...r,
        pathText: r.path?.join(".") ?? "",
        statementText:
          typeof r.statement === "string"
            ? r.statement
            : JSON.stringify(r.statement, null, 2),
      }),
    );
    res.type("html").send(
      render("connection", context, {
        connection: {
          ...connection,
          // The sealed password never reaches a page: only whether there is one.
          lrsPasswordSealed: undefined,
          lrsPasswordSet: connection.lrsPasswordSealed !== null,
          ...(await getConnectionHealth(deps.db, connection)),
        },
        rejections,
        endpoint,
        tested: req.query["tested"] === "1",
        pullSaved: req.query["pull"] === "saved",
      }),
    );
  });

  router.post(
    "/connections/:id/rotate",
    requireRole("admin"),
    async (req, res) => {
      const found = await connectionOr404(deps, req, res);
      const { connection, secret } = await rotateConnectionSecret(
        deps.db,
        found.tenantId,
        found.id,
      );
      showCredentials(res, connection, secret, "connections.rotated");
    },
  );

  router.post(
    "/connections/:id/enabled",
    requireRole("admin"),
    async (req, res) => {
      const found = await connectionOr404(deps, req, res);
      await updateConnection(deps.db, found.tenantId, found.id, {
        enabled: formField(req.body, "enabled") === "true",
      });
      res.redirect(303, `/console/connections/${found.id}`);
    },
  );

  router.post(
    "/connections/:id/test",
    requireRole("admin"),
    async (req, res) => {
      const found = await connectionOr404(deps, req, res);
      const { user } = sessionOf(res);
      const statement = {
        ...sampleCompletion(user.email, user.name, deps.publicUrl),
        authority: {
          objectType: "Agent",
          account: { homePage: endpoint, name: found.key },
        },
      };
      const prepared = prepareStatements(statement, { clock: deps.clock });
      if (!prepared.ok) throw batchValidationError(prepared.error);
      await storeStatements(deps.db, {
        tenantId: found.tenantId,
        connectionId: found.id,
        statements: prepared.value,
        handOffs: (ids) => statementSliceHandOffs(found.tenantId, ids),
      });
      await touchConnectionReceived(deps.db, found.id, deps.clock.now(), 0);
      res.redirect(303, `/console/connections/${found.id}?tested=1`);
    },
  );

  router.post(
    "/connections/:id/pull",
    requireRole("admin"),
    async (req, res) => {
      const found = await connectionOr404(deps, req, res);
      await updateConnection(
        deps.db,
        found.tenantId,
        found.id,
        pullChanges(found, req.body),
        deps.secret,
      );
      res.redirect(303, `/console/connections/${found.id}?pull=saved`);
    },
  );
}

const PullForm = z.object({
  mode: z.enum(["push", "pull"], { message: 'must be "push" or "pull"' }),
  pullIntervalSeconds: z.coerce.number().pipe(PullIntervalSeconds),
});

/**
 * The pull settings form as connection changes. The password is write-only: left empty, the
 * stored one stays, as long as the endpoint and user name stay too. An empty endpoint removes
 * the LRS (push mode without forwarding only).
 */
export function pullChanges(current: ConnectionView, body: unknown) {
  const endpoint = formField(body, "lrsEndpoint").trim();
  const username = formField(body, "lrsUsername").trim();
  const password = formField(body, "lrsPassword");
  const form = PullForm.safeParse({
    mode: formField(body, "mode"),
    pullIntervalSeconds: formField(body, "pullIntervalSeconds") || "60",
  });
  if (!form.success)
    throw new ValidationError(
      "The pull settings were not saved.",
      form.error.issues.map((i) => ({
        path: i.path.map(String),
        message: i.message,
      })),
      "CONNECTION_INVALID",
    );
  const forwardAnswers = formField(body, "forwardAnswers") === "true";
  const unchanged =
    current.lrsEndpoint !== null &&
    endpoint === current.lrsEndpoint &&
    username === (current.lrsUsername ?? "");
  let lrs: ConnectionChanges["lrs"];
  if (endpoint === "") lrs = null;
  else if (password === "" && unchanged) lrs = undefined;
  else {
    const parsed = LrsSettings.safeParse({ endpoint, username, password });
    if (!parsed.success)
      throw new ValidationError(
        "The pull settings were not saved.",
        parsed.error.issues.map((i) => ({
          path: ["lrs", ...i.path.map(String)],
          message: i.message,
        })),
        "CONNECTION_INVALID",
      );
    lrs = parsed.data;
  }
  return {
    mode: form.data.mode,
    ...(lrs === undefined ? {} : { lrs }),
    ...(form.data.mode === "pull"
      ? { pullIntervalSeconds: form.data.pullIntervalSeconds }
      : {}),
    forwardAnswers,
  } satisfies ConnectionChanges;
}
