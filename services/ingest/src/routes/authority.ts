import type { Statement } from "@beklijf/xapi";
import type { Request } from "express";

import type { IngestDeps } from "../deps";

/**
 * The homePage of authority accounts: the configured public xAPI URL, else the URL this request
 * reached the xAPI app on (its mount point, e.g. https://host/xapi).
 */
export function xapiHomePage(
  req: Request,
  deps: Pick<IngestDeps, "publicUrl">,
): string {
  const configured = configuredHomePage(deps);
  if (configured !== undefined) return configured;
  const mount = req.baseUrl.replace(/\/statements\/?$/, "");
  return `${req.protocol}://${req.get("host") ?? "localhost"}${mount}`;
}

/** The configured public xAPI URL without a trailing slash, if there is one. */
export function configuredHomePage(
  deps: Pick<IngestDeps, "publicUrl">,
): string | undefined {
  return deps.publicUrl?.replace(/\/+$/, "");
}

/**
 * Who vouches for a statement (xAPI 1.0.3 Data 2.4.9): the connection that sent it, as an Agent
 * with an account on this endpoint named by the connection's key. Set when a statement is stored,
 * replacing whatever the client claimed (the spec's SHOULD).
 */
export function connectionAuthority(
  connectionKey: string,
  homePage: string,
): NonNullable<Statement["authority"]> {
  return {
    objectType: "Agent",
    account: { homePage, name: connectionKey },
  };
}
