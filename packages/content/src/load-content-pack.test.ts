import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { loadContentPack, TEMPLATES_DIR } from "./load-content-pack";

describe("loadContentPack", () => {
  it("loads the default pack: rules valid, every template renders in nl and en", async () => {
    const pack = await loadContentPack(
      path.join(TEMPLATES_DIR, "werkplekleren"),
    );
    expect(pack.rules.length).toBeGreaterThan(0);
    const data = {
      learner: { givenName: "Anna" },
      training: { name: "Feedback geven" },
      links: { unsubscribe: "https://x.test/u" },
      footer: { reason: "r", unsubscribe: "u" },
    };
    for (const rule of pack.rules) {
      for (const step of rule.steps) {
        for (const locale of ["nl", "en"]) {
          const result = pack.renderer.render({
            template: step.template,
            locale,
            data,
          });
          expect(result).toMatchObject({ ok: true, value: { locale } });
          expect(result.ok && result.value.text).toContain("Feedback geven");
        }
      }
    }
  });

  it("names the file and path of an invalid rule", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pack-"));
    cpSync(path.join(TEMPLATES_DIR, "werkplekleren"), dir, { recursive: true });
    writeFileSync(
      path.join(dir, "rules.json"),
      JSON.stringify({
        rules: [{ key: "x", name: "x", trigger: { verbs: [] }, steps: [] }],
      }),
    );
    await expect(loadContentPack(dir)).rejects.toThrow(
      /rules\.json is not a valid rule file:\n {2}- rules\.0\.trigger\.verbs: must list at least one verb id/,
    );
  });

  it("refuses a template that does not compile, naming it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "pack-"));
    cpSync(path.join(TEMPLATES_DIR, "werkplekleren"), dir, { recursive: true });
    mkdirSync(path.join(dir, "en"), { recursive: true });
    writeFileSync(path.join(dir, "en", "commit.subject.hbs"), "{{#each}}");
    await expect(loadContentPack(dir)).rejects.toThrow(
      /Template "commit" \(en, subject\) does not compile/,
    );
  });
});
