import { createRenderer, type PackSources } from "./renderer";
import { sampleContext } from "./sample-context";
import { checkTemplate } from "./validate-pack";

const GOOD = {
  subject: "About {{training.name}}",
  html: '<p>Hi {{recipient.givenName}}</p>\n<a class="button" href="{{links.action}}">Go</a>',
};

const pack: PackSources = {
  name: "test",
  fallbackLocale: "en",
  layouts: {
    email:
      "<html><head><style>.button{color:red}</style></head><body>{{{body}}}</body></html>",
  },
  templates: { en: { hello: GOOD }, nl: { hello: GOOD } },
};

function base() {
  const created = createRenderer(pack);
  if (!created.ok) throw new Error(JSON.stringify(created.error));
  return created.value;
}

/** checkTemplate on `base()` with `parts` in place of en/hello. */
function check(parts: { subject: string; html: string; text?: string }) {
  const edited = base().withTemplates({ en: { hello: parts } });
  if (!edited.ok) return edited;
  return checkTemplate(edited.value, {
    template: "hello",
    locale: "en",
    parts,
  });
}

describe("Renderer.withTemplates", () => {
  it("puts an edited template in place of one locale's, with the layout's CSS inlined, and leaves the base alone", () => {
    const edited = base().withTemplates({
      en: { hello: { ...GOOD, subject: "New: {{training.name}}" } },
    });
    if (!edited.ok) throw new Error(JSON.stringify(edited.error));
    const data = sampleContext("en");
    const en = edited.value.render({ template: "hello", locale: "en", data });
    expect(en.ok && en.value.subject).toBe("New: Giving feedback");
    expect(en.ok && en.value.html).toMatch(
      /class="button"[^>]*style="color: ?red/,
    );
    const nl = edited.value.render({ template: "hello", locale: "nl", data });
    expect(nl.ok && nl.value.subject).toBe("About Giving feedback");
    const before = base().render({ template: "hello", locale: "en", data });
    expect(before.ok && before.value.subject).toBe("About Giving feedback");
  });

  it("names the part and line of an edit that does not compile", () => {
    expect(
      base().withTemplates({
        en: { hello: { ...GOOD, html: "<p>a</p>\n<p>{{#if x}}</p>" } },
      }),
    ).toMatchObject({
      ok: false,
      error: {
        kind: "compile-failed",
        template: "hello",
        locale: "en",
        part: "html",
        line: 2,
      },
    });
  });
});

describe("checkTemplate", () => {
  it("accepts a template that renders with its action link", () => {
    expect(check(GOOD)).toEqual({ ok: true, value: undefined });
  });

  it("names the line of a variable the nudge context does not have", () => {
    expect(
      check({ ...GOOD, html: `${GOOD.html}\n<p>\n{{learner.shoeSize}}</p>` }),
    ).toMatchObject({
      ok: false,
      error: { kind: "render-failed", part: "html", line: 4 },
    });
  });

  it.each([
    ["{{{recipient.name}}}", 3],
    ["{{&recipient.name}}", 3],
    ["{{#if recipient.name}}\n{{{recipient.name}}}{{/if}}", 4],
  ])(
    "refuses unescaped output %s in the HTML, naming its line",
    (bit, line) => {
      expect(check({ ...GOOD, html: `${GOOD.html}\n${bit}` })).toMatchObject({
        ok: false,
        error: { kind: "not-allowed", part: "html", line },
      });
    },
  );

  it("refuses a template without its action link, in the HTML or in its own text part", () => {
    expect(
      check({ ...GOOD, html: "<p>Hi {{recipient.givenName}}</p>" }),
    ).toMatchObject({
      ok: false,
      error: { kind: "not-allowed", part: "html", message: /action link/ },
    });
    expect(
      check({ ...GOOD, text: "Hi {{recipient.givenName}}" }),
    ).toMatchObject({
      ok: false,
      error: { kind: "not-allowed", part: "text", message: /action link/ },
    });
    expect(
      check({ ...GOOD, text: "Hi {{recipient.givenName}}: {{links.action}}" })
        .ok,
    ).toBe(true);
  });
});
