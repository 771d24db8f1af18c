import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import Handlebars from "handlebars";

import { type Locale, translate } from "./messages";

export const CONSOLE_VIEWS_DIR = path.resolve(__dirname, "../../views/console");

/** What every console page gets besides its own data. */
export interface PageContext {
  readonly title: string;
  readonly locale: Locale;
  /** The section the page belongs to, for aria-current in the navigation. */
  readonly section?: string;
  readonly user?: { name: string; email: string; role: string };
  readonly csrfToken?: string;
}

export type ConsoleRender = ((
  view: string,
  context: PageContext,
  data?: Record<string, unknown>,
) => string) & {
  /**
   * The page around a body that is written bit by bit (a streamed response): the layout before
   * the body and after it, with `view` rendered as the start of the body.
   */
  around(
    view: string,
    context: PageContext,
    data?: Record<string, unknown>,
  ): { head: string; tail: string };
  /** A view without the layout: a part of a streamed body. */
  fragment(
    view: string,
    context: PageContext,
    data?: Record<string, unknown>,
  ): string;
};

/**
 * Compiles views/console/*.hbs once, on an isolated Handlebars instance (`{{x}}` escapes).
 * Files starting with "_" are partials. Helpers: `t` (message in the page's language), `eq`,
 * `json` (pretty JSON, escaped by the caller's `{{ }}`), `date` (ISO minute, UTC).
 */
export function loadConsoleViews(): ConsoleRender {
  const hbs = Handlebars.create();
  const views = new Map<string, HandlebarsTemplateDelegate>();
  for (const file of readdirSync(CONSOLE_VIEWS_DIR).filter((f) =>
    f.endsWith(".hbs"),
  )) {
    const source = readFileSync(path.join(CONSOLE_VIEWS_DIR, file), "utf8");
    if (file.startsWith("_")) hbs.registerPartial(file.slice(1, -4), source);
    else views.set(file.slice(0, -4), hbs.compile(source));
  }
  hbs.registerHelper(
    "t",
    function (this: unknown, key: unknown, options: Handlebars.HelperOptions) {
      const data: unknown = options.data;
      const root: unknown =
        typeof data === "object" && data !== null && "root" in data
          ? data.root
          : undefined;
      const locale =
        typeof root === "object" &&
        root !== null &&
        "locale" in root &&
        root.locale === "nl"
          ? "nl"
          : "en";
      return translate(locale, String(key));
    },
  );
  hbs.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  hbs.registerHelper("concat", (...args: unknown[]) =>
    args.slice(0, -1).map(String).join(""),
  );
  hbs.registerHelper("json", (value: unknown) =>
    JSON.stringify(value, null, 2),
  );
  hbs.registerHelper("date", (value: unknown) =>
    value instanceof Date
      ? value.toISOString().slice(0, 16).replace("T", " ") + " UTC"
      : "",
  );
  const layout = views.get("layout");
  if (layout === undefined)
    throw new Error(
      `views/console/layout.hbs is missing in ${CONSOLE_VIEWS_DIR}`,
    );
  const fragment = (
    view: string,
    context: PageContext,
    data: Record<string, unknown> = {},
  ): string => {
    const template = views.get(view);
    if (template === undefined) throw new Error(`No console view "${view}"`);
    return template({ ...data, ...context });
  };
  const render = (
    view: string,
    context: PageContext,
    data: Record<string, unknown> = {},
  ): string =>
    layout({
      ...data,
      ...context,
      body: new hbs.SafeString(fragment(view, context, data)),
    });
  const marker = `<!--beklijf-body-${String(Math.random()).slice(2)}-->`;
  const around = (
    view: string,
    context: PageContext,
    data: Record<string, unknown> = {},
  ): { head: string; tail: string } => {
    const page = layout({
      ...data,
      ...context,
      body: new hbs.SafeString(fragment(view, context, data) + marker),
    });
    const at = page.indexOf(marker);
    return { head: page.slice(0, at), tail: page.slice(at + marker.length) };
  };
  return Object.assign(render, { around, fragment });
}
