import { verifyToken } from "@beklijf/core";
import { getDeliveryForLink, unsubscribe } from "@beklijf/db";
import express, { type Request, type Response, Router } from "express";

import type { WebDeps } from "../deps";
import {
  browserLanguage,
  type Render,
  sendLinkError,
} from "../pages/link-error";

const TEXT = {
  nl: {
    heading: "Afmelden",
    question: "Wil je geen e-mails van beklijf meer ontvangen op",
    confirm: "Ja, meld mij af",
    doneHeading: "Je bent afgemeld",
    done: "Je krijgt van ons geen e-mails meer op dit adres.",
    invalidHeading: "Deze link werkt niet",
    invalid:
      "De link is ongeldig of verlopen. Gebruik de link in een recentere e-mail.",
  },
  en: {
    heading: "Unsubscribe",
    question: "Do you want to stop receiving emails from beklijf at",
    confirm: "Yes, unsubscribe me",
    doneHeading: "You are unsubscribed",
    done: "We will not email this address any more.",
    invalidHeading: "This link does not work",
    invalid:
      "The link is invalid or has expired. Use the link in a more recent email.",
  },
} as const;

/**
 * The unsubscribe link of every email: a page with a confirm button (GET never changes anything,
 * since mail scanners follow links), and the RFC 8058 one-click POST, both behind a signed token.
 */
export function unsubscribeRouter(deps: WebDeps, render: Render): Router {
  const router = Router();

  const resolve = async (req: Request, res: Response) => {
    const token = String(req.params["token"] ?? "");
    const verified = verifyToken(token, {
      secret: deps.secret,
      previousSecrets: deps.previousSecrets ?? [],
      purpose: "unsubscribe",
      now: deps.clock.now(),
    });
    const delivery = verified.ok
      ? await getDeliveryForLink(deps.db, verified.value.sub)
      : null;
    if (delivery === null) {
      const t = TEXT[browserLanguage(req)];
      sendLinkError(res, render, browserLanguage(req), {
        heading: t.invalidHeading,
        message: t.invalid,
      });
      return undefined;
    }
    const lang: keyof typeof TEXT = (delivery.nudge.recipient?.locale ?? "en")
      .toLowerCase()
      .startsWith("nl")
      ? "nl"
      : "en";
    return { delivery, token, lang };
  };

  router.get("/:token", async (req, res) => {
    const found = await resolve(req, res);
    if (found === undefined) return;
    const t = TEXT[found.lang];
    res.type("html").send(
      render("unsubscribe", {
        title: t.heading,
        lang: found.lang,
        t,
        address: found.delivery.toAddress,
        action: `/u/${found.token}`,
      }),
    );
  });

  router.post(
    "/:token",
    express.urlencoded({ extended: false, limit: "2kb" }),
    async (req, res) => {
      const found = await resolve(req, res);
      if (found === undefined) return;
      const { delivery } = found;
      await unsubscribe(deps.db, {
        tenantId: delivery.tenantId,
        address: delivery.toAddress,
        personId: delivery.nudge.recipientPersonId,
      });
      deps.logger.info({ deliveryId: delivery.id }, "recipient unsubscribed");
      const t = TEXT[found.lang];
      res
        .type("html")
        .send(
          render("unsubscribed", { title: t.doneHeading, lang: found.lang, t }),
        );
    },
  );

  return router;
}
