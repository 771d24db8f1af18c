import { NotFoundError } from "@beklijf/core";
import { Router } from "express";

import type { OutboxPort, WebDeps } from "../deps";
import { requireToken } from "../http/require-token";

type Render = (
  name: string,
  data: Record<string, unknown> & { title: string },
) => string;

/** The embedded SMTP sink's outbox, for operators (admin token required: mail holds personal data). */
export function outboxRouter(
  deps: WebDeps,
  outbox: OutboxPort,
  render: Render,
): Router {
  const router = Router();
  router.use(requireToken(deps));
  router.get("/", async (_req, res) => {
    const messages = await outbox.list(200);
    res.type("html").send(
      render("outbox", {
        title: "Outbox",
        messages: messages.map((m) => ({
          ...m,
          receivedAt: m.receivedAt.toISOString(),
        })),
      }),
    );
  });
  router.get("/:id", async (req, res) => {
    const message = await outbox.get(req.params["id"]);
    if (message === undefined)
      throw new NotFoundError("No such message in the outbox.");
    res.type("html").send(
      render("outbox-message", {
        title: message.subject,
        ...message,
        receivedAt: message.receivedAt.toISOString(),
      }),
    );
  });
  return router;
}
