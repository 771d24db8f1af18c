import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import Handlebars from "handlebars";

const VIEWS_DIR = path.resolve(__dirname, "../views");

export type View = (data: Record<string, unknown>) => string;

/**
 * Compiles the views once, on an isolated Handlebars instance; `{{x}}` escapes. Pages are
 * rendered inside layout.hbs, whose `{{{body}}}` is our own escaped output.
 */
export function loadViews(): (
  name: string,
  data: Record<string, unknown> & { title: string; lang?: string },
) => string {
  const hbs = Handlebars.create();
  const views = new Map<string, HandlebarsTemplateDelegate>();
  for (const file of readdirSync(VIEWS_DIR).filter((f) => f.endsWith(".hbs"))) {
    views.set(
      file.slice(0, -4),
      hbs.compile(readFileSync(path.join(VIEWS_DIR, file), "utf8"), {
        strict: false,
      }),
    );
  }
  const layout = views.get("layout");
  if (layout === undefined)
    throw new Error(`views/layout.hbs is missing in ${VIEWS_DIR}`);
  return (name, data) => {
    const view = views.get(name);
    if (view === undefined) throw new Error(`No view "${name}"`);
    return layout({
      ...data,
      lang: data.lang ?? "en",
      body: new hbs.SafeString(view(data)),
    });
  };
}
