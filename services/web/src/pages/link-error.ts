import type { Request, Response } from "express";

/** Renders a view inside the layout (see views.ts). */
export type Render = (
  name: string,
  data: Record<string, unknown> & { title: string; lang?: string },
) => string;

/** The language of a page whose link did not resolve: the browser's, Dutch or English. */
export function browserLanguage(req: Request): "nl" | "en" {
  return req.acceptsLanguages("nl", "en") === "nl" ? "nl" : "en";
}

/** The 403 page of a tampered, expired or unknown link (no person to take a language from). */
export function sendLinkError(
  res: Response,
  render: Render,
  lang: "nl" | "en",
  text: { heading: string; message: string },
): void {
  res
    .status(403)
    .type("html")
    .send(render("link-error", { title: text.heading, lang, t: text }));
}
