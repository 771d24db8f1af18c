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
  let loads: number;
  const source = {
    stamp: () =>
      Promise.resolve(rows.map((r) => `${r.tenantId}@${r.version}`).join()),
    current: () => {
      loads += 1;
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
    loads = 0;
  });

  it("renders a tenant's newest saved version, the pack's text for others, and reloads only when the stamp changes", async () => {
    const renderers = createTenantRenderers(pack, source);
    const packSubject = subjectOf(renderers, "t1");
    rows = [anEdit("t1", 1, "Eigen tekst {{training.name}}")];
    await renderers.fresh(0);
    expect(subjectOf(renderers, "t1")).toBe("Eigen tekst Feedback geven");
    expect(subjectOf(renderers, "t1", "en")).not.toContain("Eigen");
    expect(subjectOf(renderers, "t2")).toBe(packSubject);
    await renderers.fresh(0);
    expect(loads).toBe(1);
    // A revert to the pack is a newer version without parts.
    rows = [
      { ...anEdit("t1", 2, ""), parts: null },
      anEdit("t3", 1, "Eigen tekst {{training.name}}"),
    ];
    await renderers.fresh(0);
    expect(subjectOf(renderers, "t3")).toBe("Eigen tekst Feedback geven");
    expect(subjectOf(renderers, "t1")).toBe(packSubject);
  });

  it("keeps the pack's text for a saved version that no longer passes the checks, and says so once", async () => {
    const problems: OverrideProblem[] = [];
    const renderers = createTenantRenderers(pack, source, {
      onProblem: (p) => problems.push(p),
    });
    const packSubject = subjectOf(renderers, "t1");
    rows = [anEdit("t1", 4, "{{learner.shoeSize}}")];
    await renderers.fresh(0);
    rows = [...rows, anEdit("t2", 4, "{{learner.shoeSize}}")];
    await renderers.fresh(0);
    expect(subjectOf(renderers, "t1")).toBe(packSubject);
    expect(problems.map((p) => p.override.tenantId)).toEqual(["t1", "t2"]);
    expect(problems[0]?.message).toMatch(
      /Template "reflect" \(nl, subject, line 1\) failed to render: "shoeSize" not defined/,
    );
  });

  it("looks again only when its last look is older than asked", async () => {
    const renderers = createTenantRenderers(pack, source);
    await Promise.all([renderers.fresh(60_000), renderers.fresh(60_000)]);
    rows = [anEdit("t1", 1, "Nieuw")];
    await renderers.fresh(60_000);
    // One look, shared by the concurrent callers; the save after it is not seen within the hour.
    expect(loads).toBe(1);
    expect(subjectOf(renderers, "t1")).not.toBe("Nieuw");
    await renderers.fresh(0);
    expect(loads).toBe(2);
    expect(subjectOf(renderers, "t1")).toBe("Nieuw");
  });
});
