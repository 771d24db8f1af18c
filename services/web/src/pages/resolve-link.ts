import { type TokenClaims, verifyToken } from "@beklijf/core";
import { getNudgeForLink, type NudgeForLink } from "@beklijf/db";
import { messageLocale, pickFromLanguageMap } from "@beklijf/render";
import type { Request, Response } from "express";

import type { WebDeps } from "../deps";
import { browserLanguage, type Render, sendLinkError } from "./link-error";
import { PAGE_TEXTS, type PageLanguage, type PageTexts } from "./texts";

export type { Render } from "./link-error";

export interface ResolvedLink {
  readonly token: string;
  readonly claims: TokenClaims;
  readonly nudge: NudgeForLink;
  readonly lang: PageLanguage;
  readonly t: PageTexts;
  /** The training's name in the page's language. */
  readonly training: string;
}

/**
 * A resolver for links of one purpose: it checks the signed token (purpose, signature, expiry) and
 * loads its nudge. A tampered, expired or unknown link gets the 403 page (in the browser's
 * language) and undefined.
 */
export function nudgeLinkResolver(
  deps: Pick<WebDeps, "db" | "secret" | "previousSecrets" | "clock">,
  render: Render,
  purpose: string,
): (req: Request, res: Response) => Promise<ResolvedLink | undefined> {
  return (req, res) => resolveNudgeLink(deps, render, req, res, purpose);
}

async function resolveNudgeLink(
  deps: Pick<WebDeps, "db" | "secret" | "previousSecrets" | "clock">,
  render: Render,
  req: Request,
  res: Response,
  purpose: string,
): Promise<ResolvedLink | undefined> {
  const token = String(req.params["token"] ?? "");
  const verified = verifyToken(token, {
    secret: deps.secret,
    previousSecrets: deps.previousSecrets ?? [],
    purpose,
    now: deps.clock.now(),
  });
  const nudge = verified.ok
    ? await getNudgeForLink(deps.db, verified.value.sub)
    : null;
  if (!verified.ok || nudge === null) {
    const lang = browserLanguage(req);
    const t = PAGE_TEXTS[lang];
    sendLinkError(res, render, lang, {
      heading: t.forbiddenHeading,
      message: t.forbidden,
    });
    return undefined;
  }
  const lang = messageLocale(
    nudge.recipient?.locale ?? nudge.plan.person.locale,
  );
  const training =
    pickFromLanguageMap(objectName(nudge.plan.trigger.raw), lang) ??
    nudge.plan.trigger.objectId;
  return {
    token,
    claims: verified.value,
    nudge,
    lang,
    t: PAGE_TEXTS[lang],
    training,
  };
}

/** `object.definition.name` of a stored statement (a language map), if it has one. */
function objectName(raw: unknown): unknown {
  let at: unknown = raw;
  for (const key of ["object", "definition", "name"]) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
