import { ConflictError, NotFoundError } from "@beklijf/core";
import { aTenant, testDb } from "@beklijf/testing";

import type { PrismaClient } from "../client";
import {
  getTemplateVersion,
  listCurrentTemplates,
  listTemplateVersions,
  saveTemplateVersion,
  templateVersionsStamp,
} from "./templates";

describe("template versions", () => {
  let db: PrismaClient;
  beforeAll(() => {
    db = testDb();
  });
  afterAll(async () => {
    await db.$disconnect();
  });

  const at = new Date("2026-03-02T09:00:00Z");
  const parts = (subject: string) => ({
    subject,
    html: "<p>{{links.action}}</p>",
  });

  it("numbers saves per template and locale, keeps every version and names the newest of each", async () => {
    const tenantId = await aTenant(db, "templates");
    const other = await aTenant(db, "templates-other");
    const key = { tenantId, template: "reflect", locale: "nl" };
    const save = (subject: string | null, extra = {}) =>
      saveTemplateVersion(db, {
        ...key,
        parts: subject === null ? null : parts(subject),
        savedBy: "anna@example.com",
        at,
        ...extra,
      });
    const stampBefore = await templateVersionsStamp(db);
    expect(await save("one")).toBe(1);
    expect(await templateVersionsStamp(db)).not.toBe(stampBefore);
    expect(await save("two", { basedOn: 1 })).toBe(2);
    expect(await save(null, { revertOf: 0 })).toBe(3);
    await saveTemplateVersion(db, {
      ...key,
      locale: "en",
      parts: { ...parts("en"), text: "Go: {{links.action}}" },
      savedBy: "api token lms",
      at,
    });
    await saveTemplateVersion(db, {
      ...key,
      tenantId: other,
      parts: parts("other"),
      savedBy: "x",
      at,
    });

    expect(
      (await listTemplateVersions(db, key)).map((v) => [
        v.version,
        v.parts?.subject ?? null,
        v.revertOf,
      ]),
    ).toEqual([
      [3, null, 0],
      [2, "two", null],
      [1, "one", null],
    ]);
    const current = await listCurrentTemplates(db, tenantId);
    expect(
      current.map((v) => [v.locale, v.version, v.parts?.subject ?? null]),
    ).toEqual([
      ["en", 1, "en"],
      ["nl", 3, null],
    ]);
    expect(current[0]?.parts?.text).toBe("Go: {{links.action}}");
    const everyone = await listCurrentTemplates(db);
    expect(everyone.filter((v) => v.tenantId === other)).toHaveLength(1);
    expect(
      (await getTemplateVersion(db, { ...key, version: 2 })).parts,
    ).toEqual(parts("two"));
    await expect(
      getTemplateVersion(db, { ...key, version: 9 }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses a save based on an older version, and lets only one of two racing saves take a number", async () => {
    const tenantId = await aTenant(db, "templates-race");
    const input = {
      tenantId,
      template: "apply",
      locale: "en",
      savedBy: "anna@example.com",
      at,
    };
    await saveTemplateVersion(db, { ...input, parts: parts("first") });
    await expect(
      saveTemplateVersion(db, { ...input, parts: parts("stale"), basedOn: 0 }),
    ).rejects.toBeInstanceOf(ConflictError);
    const raced = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) =>
        saveTemplateVersion(db, { ...input, parts: parts(`race ${i}`) }),
      ),
    );
    const stored = await listTemplateVersions(db, input);
    // Every save either got its own number or a ConflictError: no number twice, nothing lost silently.
    expect(stored.map((v) => v.version)).toEqual(
      [...Array(stored.length).keys()].map((i) => stored.length - i),
    );
    expect(raced.filter((r) => r.status === "fulfilled")).toHaveLength(
      stored.length - 1,
    );
    for (const r of raced)
      if (r.status === "rejected")
        expect(r.reason).toBeInstanceOf(ConflictError);
  });
});
