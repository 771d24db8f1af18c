import path from "node:path";

import { sampleContext } from "@beklijf/render";

import {
  type ContentPack,
  loadContentPack,
  TEMPLATES_DIR,
} from "./load-content-pack";
import {
  createTenantRenderers,
  type OverrideProblem,
  type TemplateOverride,
} from "./tenant-renderers";

// The source is our own port: a list in memory stands in for the database here (the mailer's
// integration test drives the real one).

const BUTTON = '{{> button href=links.action label="Go"}}';

/** Tenant `tenantId`'s version `version` of nl/reflect with `subject`. */
function anEdit(
  tenantId: string,
  version: number,
  subject: string,
): TemplateOverride {
  return {
    tenantId,
    template: "reflect",
    locale: "nl",
    version,
    parts: { subject, html: BUTTON },
  };
}

describe("createTenantRenderers", () => {
  let pack: ContentPack;
  let rows: TemplateOverride[];
  let stamps: number;
  const source = {
    stamp: () =>
      Promise.resolve(rows.map((r) => `${r.tenantId}@${r.version}`).join()),
    current: () => {
      stamps += 1;
      return Promise.resolve(rows);
    },
  };
  const subjectOf = (
    renderers: ReturnType<typeof createTenantRenderers>,
    tenantId: string,
    locale = "nl",
  ) => {
    const email = renderers.rendererFor(tenantId).render({
      template: "reflect",
      locale,
      data: sampleContext(locale),
    });
    if (!email.ok) throw new Error(JSON.stringify(email.error));
    return email.value.subject;
  };

  beforeAll(async () => {
    pack = await loadContentPack(path.join(TEMPLATES_DIR, "werkplekleren"));
  });
  beforeEach(() => {
    rows = [];
    stamps = 0;
  });

  it("renders a tenant's newest saved version, the pack's text for others, and reloads only when the stamp changes", async () => {
    const renderers = createTenantRenderers(pack, source, { refreshMs: 0 });
    const packSubject = subjectOf(renderers, "t1");
    rows = [anEdit("t1", 1, "Eigen tekst {{training.name}}")];
    await renderers.refresh();
    expect(subjectOf(renderers, "t1")).toBe("Eigen tekst Feedback geven");
    expect(subjectOf(renderers, "t1", "en")).not.toContain("Eigen");
    expect(subjectOf(renderers, "t2")).toBe(packSubject);
    await renderers.refresh();
    expect(stamps).toBe(1);
    // A revert to the pack is a newer version without parts.
    rows = [
      { ...anEdit("t1", 2, ""), parts: null },
      anEdit("t3", 1, "Eigen tekst {{training.name}}"),
    ];
    await renderers.refresh();
    expect(subjectOf(renderers, "t3")).toBe("Eigen tekst Feedback geven");
    expect(subjectOf(renderers, "t1")).toBe(packSubject);
  });

  it("keeps the pack's text for a saved version that no longer passes the checks, and says so once", async () => {
    const problems: OverrideProblem[] = [];
    const renderers = createTenantRenderers(pack, source, {
      refreshMs: 0,
      onProblem: (p) => problems.push(p),
    });
    const packSubject = subjectOf(renderers, "t1");
    rows = [anEdit("t1", 4, "{{learner.shoeSize}}")];
    await renderers.refresh();
    rows = [...rows, anEdit("t2", 4, "{{learner.shoeSize}}")];
    await renderers.refresh();
    expect(subjectOf(renderers, "t1")).toBe(packSubject);
    expect(problems.map((p) => p.override.tenantId)).toEqual(["t1", "t2"]);
    expect(problems[0]?.message).toMatch(
      /Template "reflect" \(nl, subject, line 1\) failed to render: "shoeSize" not defined/,
    );
  });

  it("polls by itself and is ready after its first load", async () => {
    rows = [anEdit("t1", 1, "Gepolld")];
    const renderers = createTenantRenderers(pack, source, { refreshMs: 20 });
    try {
      await renderers.ready(5_000);
      expect(subjectOf(renderers, "t1")).toBe("Gepolld");
      rows = [anEdit("t1", 2, "Later")];
      const deadline = performance.now() + 5_000;
      while (subjectOf(renderers, "t1") !== "Later") {
        if (performance.now() > deadline) throw new Error("no reload");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      renderers.stop();
    }
  });
});
