import {
  cpSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { sampleContext } from "@beklijf/render";

import {
  checkTemplateEdit,
  loadContentPack,
  TEMPLATES_DIR,
} from "./load-content-pack";

const DEFAULT_PACK = path.join(TEMPLATES_DIR, "werkplekleren");

/** The templates the default programme of DOMAIN.md needs, and who reads them. */
const PROGRAMME = {
  goals: "learner",
  "manager-pretalk": "manager",
  commit: "learner",
  "manager-aftertalk": "manager",
  retrieval: "learner",
  reflect: "learner",
  apply: "learner",
  "apply-check": "learner",
  "manager-confirm": "manager",
  difference: "learner",
  "team-agenda": "team-lead",
  "value-check": "learner",
  "manager-value-check": "manager",
} as const;

/** A copy of the default pack to break. */
function aCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "pack-"));
  cpSync(DEFAULT_PACK, dir, { recursive: true });
  return dir;
}

describe("loadContentPack", () => {
  describe("the default pack", () => {
    const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

    it("has every template of the default programme, each with its action", async () => {
      const pack = await loadContentPack(DEFAULT_PACK);
      expect(Object.keys(pack.actions).sort()).toEqual(
        Object.keys(PROGRAMME).sort(),
      );
      expect(pack.actions["apply"]).toEqual({ answer: "applied" });
      expect(pack.actions["manager-confirm"]).toEqual({
        answer: "manager-confirmed",
      });
      // Reflections walk up the value levels over time.
      const levels = ["commit", "reflect", "difference", "value-check"].map(
        (t) => {
          const action = pack.actions[t];
          return action?.answer === "reflection" ? action.levels : [];
        },
      );
      expect(levels).toEqual([[1], [2], [4], [4, 5]]);
    });

    describe.each(["nl", "en"])("in %s", (locale) => {
      it.each(Object.entries(PROGRAMME))(
        "renders %s personally, with one action, under 120 words",
        async (template, reader) => {
          const pack = await loadContentPack(DEFAULT_PACK);
          const data = sampleContext(locale);
          const email = pack.renderer.render({ template, locale, data });
          if (!email.ok) throw new Error(JSON.stringify(email.error));
          expect(email.value.locale).toBe(locale);
          expect(email.value.html).toContain(`lang="${locale}"`);
          expect(email.value.subject.length).toBeLessThan(90);
          const body = pack.renderer.renderBody({ template, locale, data });
          if (!body.ok) throw new Error(JSON.stringify(body.error));
          expect(words(body.value.text)).toBeLessThanOrEqual(120);
          expect(body.value.text).toContain(data.recipient.givenName);
          expect(body.value.text).toContain(data.training.name);
          // One clear action: exactly one link in the body, the nudge's own.
          expect(body.value.html.match(/href="/g)).toHaveLength(1);
          expect(body.value.html).toContain(`href="${data.links.action}"`);
          if (reader !== "learner")
            expect(body.value.text).toContain(data.learner.name);
          // The text part has the action, the preferences and the unsubscribe link, and no HTML.
          expect(email.value.text).toContain(`[${data.links.action}]`);
          expect(email.value.text).toContain(data.links.preferences);
          expect(email.value.text).toContain(data.links.unsubscribe);
          expect(email.value.text).not.toMatch(/<[a-z]/);
        },
      );
    });

    it("gives the manager's name to learner prompts that ask for the manager's help", async () => {
      const pack = await loadContentPack(DEFAULT_PACK);
      for (const template of ["goals", "apply"]) {
        const body = pack.renderer.renderBody({
          template,
          locale: "nl",
          data: sampleContext("nl"),
        });
        expect(body.ok && body.value.text).toContain("Pieter Jansen");
      }
    });
  });

  it("names the file and path of an invalid rule", async () => {
    const dir = aCopy();
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

  it("names the line and column of a JSON syntax error in rules.json, and what to write", async () => {
    const dir = aCopy();
    writeFileSync(
      path.join(dir, "rules.json"),
      '{\n  "rules": [\n    { "key": "x", },\n  ]\n}\n',
    );
    await expect(loadContentPack(dir)).rejects.toThrow(
      [
        `${path.join(dir, "rules.json")} is not valid JSON: line 3, column 19: a comma before "}": remove it`,
        '  3 |     { "key": "x", },',
        `${" ".repeat(24)}^`,
      ].join("\n"),
    );
  });

  it("refuses a template that does not compile, naming it", async () => {
    const dir = aCopy();
    writeFileSync(path.join(dir, "en", "commit.subject.hbs"), "{{#each}}");
    await expect(loadContentPack(dir)).rejects.toThrow(
      /Template "commit" \(en, subject, line 1\) does not compile/,
    );
  });

  it("refuses a variable the nudge context does not have, naming template, locale and line", async () => {
    const dir = aCopy();
    const file = path.join(dir, "nl", "reflect.html.hbs");
    writeFileSync(
      file,
      `${readFileSync(file, "utf8")}<p>{{learner.shoeSize}}</p>\n`,
    );
    const lines = readFileSync(file, "utf8").trimEnd().split("\n").length;
    await expect(loadContentPack(dir)).rejects.toThrow(
      new RegExp(
        `Template "reflect" \\(nl, html, line ${lines}\\) failed to render: "shoeSize" not defined`,
      ),
    );
  });

  it("refuses unescaped output and a lost action link in a pack's template, as in an edit", async () => {
    const unescaped = aCopy();
    const file = path.join(unescaped, "en", "apply.html.hbs");
    writeFileSync(file, `{{{recipient.name}}}\n${readFileSync(file, "utf8")}`);
    await expect(loadContentPack(unescaped)).rejects.toThrow(
      /Template "apply" \(en, html, line 1\) is not allowed: unescaped output/,
    );
    const noAction = aCopy();
    writeFileSync(path.join(noAction, "nl", "goals.html.hbs"), "<p>Hoi</p>");
    await expect(loadContentPack(noAction)).rejects.toThrow(
      /Template "goals" \(nl, html\) is not allowed: the action link is missing/,
    );
  });

  it("refuses a locale that lacks a template, and a template pack.json does not list", async () => {
    const missing = aCopy();
    rmSync(path.join(missing, "nl", "apply.subject.hbs"));
    await expect(loadContentPack(missing)).rejects.toThrow(
      /nl: template "apply" \(listed in pack\.json\) is missing/,
    );
    const extra = aCopy();
    writeFileSync(path.join(extra, "en", "extra.subject.hbs"), "x");
    writeFileSync(path.join(extra, "en", "extra.html.hbs"), "<p>x</p>");
    await expect(loadContentPack(extra)).rejects.toThrow(
      /en: template "extra" is not listed in pack\.json's "templates"/,
    );
  });

  it("refuses a rule step whose template the pack does not have", async () => {
    const dir = aCopy();
    const rules = JSON.parse(
      readFileSync(path.join(dir, "rules.json"), "utf8"),
    ) as { rules: { steps: { template: string }[] }[] };
    const step = rules.rules[0]?.steps[0];
    if (step === undefined) throw new Error("the default rules have no step");
    step.template = "no-such-template";
    writeFileSync(path.join(dir, "rules.json"), JSON.stringify(rules));
    await expect(loadContentPack(dir)).rejects.toThrow(
      /templates missing from the pack: .*uses template "no-such-template"/,
    );
  });
});

describe("checkTemplateEdit", () => {
  it("accepts an edit that renders, and names the line of an unknown variable", async () => {
    const pack = await loadContentPack(DEFAULT_PACK);
    const edit = {
      locale: "en",
      template: "reflect",
      parts: {
        subject: "About {{training.name}}",
        html: '<p>Hi {{recipient.givenName}}</p>\n{{> button href=links.action label="Go"}}',
      },
    };
    expect(checkTemplateEdit(pack, edit).ok).toBe(true);
    // Without the compiled renderer (only the sources), the whole pack is compiled: same answer.
    expect(checkTemplateEdit({ sources: pack.sources }, edit).ok).toBe(true);
    expect(
      checkTemplateEdit(pack, {
        ...edit,
        parts: {
          ...edit.parts,
          html: `<p>Hi</p>\n<p>{{recipient.age}}</p>\n${edit.parts.html}`,
        },
      }),
    ).toMatchObject({
      ok: false,
      error: { template: "reflect", locale: "en", part: "html", line: 2 },
    });
  });

  it("refuses an edit without the action link, with unescaped output, or of a template or locale the pack lacks", async () => {
    const pack = await loadContentPack(DEFAULT_PACK);
    const parts = { subject: "x", html: "<p>Hi {{recipient.givenName}}</p>" };
    expect(
      checkTemplateEdit(pack, { locale: "nl", template: "apply", parts }),
    ).toMatchObject({
      ok: false,
      error: { kind: "not-allowed", template: "apply", locale: "nl" },
    });
    expect(
      checkTemplateEdit(pack, {
        locale: "nl",
        template: "apply",
        parts: {
          subject: "x",
          html: '{{{recipient.name}}}\n{{> button href=links.action label="Go"}}',
        },
      }),
    ).toMatchObject({ ok: false, error: { kind: "not-allowed", line: 1 } });
    for (const [template, locale] of [
      ["no-such", "nl"],
      ["apply", "de"],
    ] as const)
      expect(
        checkTemplateEdit(pack, { locale, template, parts }),
      ).toMatchObject({ ok: false, error: { kind: "unknown-template" } });
  });
});
