import { createRenderer, type PackSources } from "./renderer";

const pack: PackSources = {
  name: "test",
  fallbackLocale: "en",
  layouts: {
    email: "<html><body>{{{body}}}<p>{{unsubscribeLabel}}</p></body></html>",
  },
  templates: {
    en: {
      hello: {
        subject: "Hello {{learner.givenName}}",
        html: '<p>Hi {{learner.givenName}}, about <b>{{training.name}}</b>.</p><a href="{{links.unsubscribe}}">Stop</a>',
      },
    },
    nl: {
      hello: {
        subject: "Hallo {{learner.givenName}}",
        html: "<p>Hoi {{learner.givenName}}, over {{training.name}}.</p>",
      },
    },
  },
};
const data = {
  learner: { givenName: "Anna" },
  training: { name: "Feedback geven" },
  links: { unsubscribe: "https://x.test/u/abc" },
  unsubscribeLabel: "Afmelden",
};

function renderer() {
  const created = createRenderer(pack);
  if (!created.ok) throw new Error(JSON.stringify(created.error));
  return created.value;
}

describe("createRenderer", () => {
  it("renders subject, HTML in the layout, and a plain-text part", () => {
    const result = renderer().render({ template: "hello", locale: "en", data });
    expect(result.ok && result.value.subject).toBe("Hello Anna");
    expect(result.ok && result.value.html).toContain(
      "<html><body><p>Hi Anna, about <b>Feedback geven</b>.</p>",
    );
    expect(result.ok && result.value.text).toContain(
      "Hi Anna, about Feedback geven.",
    );
    expect(result.ok && result.value.text).toContain(
      "Stop [https://x.test/u/abc]",
    );
  });

  it("puts the layout's footer and unsubscribe link in the text part too", () => {
    const result = renderer().render({ template: "hello", locale: "en", data });
    expect(result.ok && result.value.text).toContain("Afmelden");
  });

  it("escapes HTML in the HTML part only, not in the subject or the text part", () => {
    const result = renderer().render({
      template: "hello",
      locale: "en",
      data: { ...data, learner: { givenName: "Anna & Bo" } },
    });
    expect(result.ok && result.value.subject).toBe("Hello Anna & Bo");
    expect(result.ok && result.value.html).toContain("Hi Anna &amp; Bo");
    expect(result.ok && result.value.text).toContain("Hi Anna & Bo");
  });

  it("wraps a text template in the text layout when the pack has one", () => {
    const created = createRenderer({
      ...pack,
      layouts: {
        ...pack.layouts,
        "email.text":
          "{{{body}}}\n\n-- \n{{unsubscribeLabel}}: {{links.unsubscribe}}",
      },
      templates: {
        en: {
          plain: {
            subject: "S",
            html: "<p>x</p>",
            text: "Dear {{learner.givenName}} & co",
          },
        },
      },
    });
    if (!created.ok) throw new Error(JSON.stringify(created.error));
    const result = created.value.render({
      template: "plain",
      locale: "en",
      data,
    });
    expect(result.ok && result.value.text).toBe(
      "Dear Anna & co\n\n-- \nAfmelden: https://x.test/u/abc",
    );
  });

  it("escapes data, so a name cannot inject HTML", () => {
    const result = renderer().render({
      template: "hello",
      locale: "en",
      data: { ...data, learner: { givenName: "<script>x</script>" } },
    });
    expect(result.ok && result.value.html).toContain(
      "&lt;script&gt;x&lt;/script&gt;",
    );
    expect(result.ok && result.value.html).not.toContain("<script>");
  });

  it("fails with template, locale and part when a variable is missing", () => {
    const result = renderer().render({
      template: "hello",
      locale: "en",
      data: {
        learner: { givenName: "Anna" },
        links: { unsubscribe: "u" },
        unsubscribeLabel: "x",
      },
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({
      kind: "render-failed",
      template: "hello",
      locale: "en",
      part: "html",
    });
  });

  it("falls back from nl-BE to nl, and from an unknown locale to the pack's fallback", () => {
    expect(
      renderer().render({ template: "hello", locale: "nl-BE", data }),
    ).toMatchObject({
      ok: true,
      value: { locale: "nl", subject: "Hallo Anna" },
    });
    expect(
      renderer().render({ template: "hello", locale: "de", data }),
    ).toMatchObject({ ok: true, value: { locale: "en" } });
  });

  it("reports an unknown template and a template that does not compile", () => {
    expect(renderer().render({ template: "nope", locale: "en", data })).toEqual(
      {
        ok: false,
        error: { kind: "unknown-template", template: "nope", locale: "en" },
      },
    );
    const broken = createRenderer({
      ...pack,
      templates: { en: { bad: { subject: "{{#if}}", html: "x" } } },
    });
    expect(!broken.ok && broken.error).toMatchObject({
      kind: "compile-failed",
      template: "bad",
      locale: "en",
      part: "subject",
    });
  });
});
