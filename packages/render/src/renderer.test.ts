import {
  createRenderer,
  describeRenderError,
  type PackSources,
} from "./renderer";

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

describe("the helpers and the email's shape", () => {
  const shaped: PackSources = {
    name: "shaped",
    fallbackLocale: "en",
    layouts: {
      email:
        '<html><head><style>.button { color: #ffffff; } p { margin: 0; }</style></head><body>{{body}}<p class="footer">{{> footer}}</p></body></html>',
    },
    partials: {
      button: '<a class="button" href="{{href}}">{{label}}</a>',
      footer: '<a href="{{links.unsubscribe}}">{{footer.unsubscribe}}</a>',
    },
    templates: {
      nl: {
        when: {
          subject: "{{localized training.names}}",
          html: '<p>Vóór {{formatDate dates.applyBy}}: {{localized training.names}}.</p>\n{{> button href=links.action label="Doen"}}',
        },
        broken: {
          subject: "x",
          html: "<p>ok</p>\n<p>{{learner.nickname}}</p>",
        },
      },
      en: {
        when: {
          subject: "{{localized training.names}}",
          html: "<p>By {{formatDate dates.applyBy}}: {{localized training.names}}.</p>",
        },
      },
    },
  };
  const data = {
    timeZone: "America/New_York",
    training: {
      names: { "nl-NL": "Feedback geven", "en-US": "Giving feedback" },
    },
    dates: { applyBy: "2026-04-28T02:00:00Z" },
    links: { action: "https://x.test/a/1", unsubscribe: "https://x.test/u/1" },
    footer: { unsubscribe: "Afmelden" },
    learner: { givenName: "Anna" },
  };
  const created = createRenderer(shaped);
  if (!created.ok) throw new Error(JSON.stringify(created.error));
  const r = created.value;

  it("names the training from the language map in the recipient's language, with fallback", () => {
    expect(r.render({ template: "when", locale: "nl-BE", data })).toMatchObject(
      {
        ok: true,
        value: { subject: "Feedback geven" },
      },
    );
    expect(
      r.render({
        template: "when",
        locale: "de",
        data: { ...data, training: { names: { "fr-FR": "Le feedback" } } },
      }),
    ).toMatchObject({ ok: true, value: { subject: "Le feedback" } });
  });

  it("formats dates in the recipient's language and time zone", () => {
    const nl = r.render({ template: "when", locale: "nl", data });
    // 02:00 UTC on the 28th is still the 27th in New York.
    expect(nl.ok && nl.value.text).toContain("Vóór 27 april 2026");
    const en = r.render({ template: "when", locale: "en", data });
    expect(en.ok && en.value.text).toContain("By April 27, 2026");
  });

  it("inlines the layout's CSS into templates and partials, and derives the text with its links", () => {
    const result = r.render({ template: "when", locale: "nl", data });
    expect(result.ok && result.value.html).toContain(
      '<a class="button" href="https://x.test/a/1" style="color: #ffffff;">Doen</a>',
    );
    expect(result.ok && result.value.html).toContain(
      '<p style="margin: 0;">Vóór',
    );
    expect(result.ok && result.value.text).toContain(
      "Doen [https://x.test/a/1]",
    );
    expect(result.ok && result.value.text).toContain(
      "Afmelden [https://x.test/u/1]",
    );
    expect(result.ok && result.value.text).not.toMatch(/[<>]/);
  });

  it("puts merged nudges after the email's own one, in one layout", () => {
    const result = r.render({
      template: "when",
      locale: "nl",
      data,
      merged: [
        {
          template: "when",
          data: {
            ...data,
            links: { ...data.links, action: "https://x.test/a/2" },
          },
        },
      ],
    });
    const html = result.ok ? result.value.html : "";
    expect(html.indexOf("https://x.test/a/1")).toBeLessThan(
      html.indexOf("https://x.test/a/2"),
    );
    expect(html.match(/<html>/g)).toHaveLength(1);
    expect(html).toContain('class="between-nudges"');
  });

  it("names the line of a variable the data does not have", () => {
    const result = r.render({ template: "broken", locale: "nl", data });
    expect(!result.ok && result.error).toMatchObject({
      kind: "render-failed",
      template: "broken",
      locale: "nl",
      part: "html",
      line: 2,
    });
    expect(!result.ok && describeRenderError(result.error)).toMatch(
      /Template "broken" \(nl, html, line 2\) failed to render: "nickname" not defined/,
    );
  });
});
