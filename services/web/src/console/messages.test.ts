import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { MESSAGES } from "./messages";
import { CONSOLE_VIEWS_DIR } from "./views";

describe("the console's message catalog", () => {
  it("has every key in Dutch and English, none empty", () => {
    expect(Object.keys(MESSAGES.nl).sort()).toEqual(
      Object.keys(MESSAGES.en).sort(),
    );
    for (const table of Object.values(MESSAGES))
      for (const text of Object.values(table)) expect(text.trim()).not.toBe("");
  });

  it("has every key the views ask for", () => {
    const used = readdirSync(CONSOLE_VIEWS_DIR)
      .filter((f) => f.endsWith(".hbs"))
      .flatMap((f) =>
        [
          ...readFileSync(path.join(CONSOLE_VIEWS_DIR, f), "utf8").matchAll(
            /\{\{t "([a-zA-Z0-9.]+)"\}\}/g,
          ),
        ].map((m) => m[1] ?? ""),
      );
    expect(used.length).toBeGreaterThan(50);
    const known = new Set(Object.keys(MESSAGES.en));
    expect(used.filter((key) => !known.has(key))).toEqual([]);
  });
});
