// The template editor as a person uses it, in Debian's headless Chromium: the real console router
// on port 0 and the run's PostgreSQL. Typing updates the preview (the page's script and the
// console's preview API), Save stores a version and the history shows it. Screenshots land in
// test-artifacts/console/.
import { mkdirSync } from "node:fs";
import path from "node:path";

import { loadContentPack, TEMPLATES_DIR } from "@beklijf/content";
import { systemClock } from "@beklijf/core";
import type { PrismaClient } from "@beklijf/db";
import { type ListeningServer, testDb, testLogger } from "@beklijf/testing";
import { launchChromium } from "@beklijf/testing/browser";
import type { Browser, Page } from "playwright-core";

import { consoleRouter } from "./router";
import { aConsoleTenant, serveConsole, TEST_PASSWORD } from "./test-client";

const SHOTS = path.resolve(__dirname, "../../../../test-artifacts/console");

describe("the template editor in a browser", () => {
  let db: PrismaClient;
  let server: ListeningServer;
  let browser: Browser;
  let page: Page;
  let tenantId: string;
  let editor: string;

  const shot = (name: string) =>
    page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  /** The srcdoc of a locale's preview iframe. */
  const previewHtml = (locale: string) =>
    page
      .locator(`[data-preview-locale="${locale}"] iframe`)
      .getAttribute("srcdoc");

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    db = testDb();
    const pack = await loadContentPack(
      path.join(TEMPLATES_DIR, "werkplekleren"),
    );
    const made = await aConsoleTenant(db, "template-browser", TEST_PASSWORD);
    tenantId = made.tenantId;
    editor = made.emails.editor;
    const deps = {
      db,
      clock: systemClock,
      logger: testLogger,
      secret: "s".repeat(32),
      publicUrl: "http://localhost",
      mail: { pack },
    };
    server = await serveConsole(
      deps,
      consoleRouter(deps, { tenantSlug: made.slug }),
    );
    browser = await launchChromium();
    page = await browser.newPage({
      locale: "en-GB",
      viewport: { width: 1200, height: 900 },
    });
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await server.close();
    await db.$disconnect();
  });

  it("previews the edit as it is typed, shows a problem inline, saves it and lists the version", async () => {
    await page.goto(`${server.url}/console/content/reflect?locale=en`);
    await page.getByLabel("Email address").fill(editor);
    await page.getByLabel("Password").fill(TEST_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: /reflect/ }).waitFor();
    const before = await page.locator("#preview-subject-nl").textContent();

    await page
      .getByLabel("Subject")
      .fill("Live: what changed since {{training.name}}?");
    await page
      .locator("#preview-subject-en")
      .filter({ hasText: "Live: what changed since Giving feedback?" })
      .waitFor({ timeout: 10_000 });
    // Only the edited language follows the typing; nl keeps what emails use now.
    expect(await page.locator("#preview-subject-nl").textContent()).toBe(
      before,
    );

    const html = page.getByLabel("HTML body (Handlebars)");
    const source = await html.inputValue();
    await html.fill(`${source}\n<p>{{learner.shoeSize}}</p>`);
    await page
      .locator("#live-problem")
      .filter({ hasText: "line" })
      .waitFor({ timeout: 10_000 });
    expect(await page.locator("#live-problem").textContent()).toContain(
      '"shoeSize" not defined',
    );
    expect(await html.getAttribute("aria-invalid")).toBe("true");
    await shot("10-template-live-problem");

    await html.fill(`${source}\n<p>A line typed in the browser.</p>`);
    await page.locator("#live-problem").waitFor({ state: "hidden" });
    await page
      .locator(
        '[data-preview-locale="en"] iframe[srcdoc*="A line typed in the browser."]',
      )
      .waitFor({ timeout: 10_000 });
    expect(await previewHtml("en")).toContain("Live: what changed since");
    // The preview is rendered inside its sandboxed frame, not only set as an attribute.
    await page
      .frameLocator('[data-preview-locale="en"] iframe')
      .getByText("A line typed in the browser.")
      .waitFor();
    await shot("11-template-live-preview");
    // A full-page shot leaves frames below the fold unpainted: the previews get a shot of their own.
    await page.locator(".previews").scrollIntoViewIfNeeded();
    await page.locator(".previews").screenshot({
      path: path.join(SHOTS, "11-template-live-preview-frames.png"),
    });

    await page
      .locator("#main")
      .getByRole("button", { name: "Save", exact: true })
      .click();
    await page.getByText("Saved as version 1.").waitFor();
    const history = page.getByRole("table", { name: /Versions/ });
    expect(await history.getByRole("row").count()).toBe(2);
    expect(await history.getByRole("row").nth(1).textContent()).toContain(
      editor,
    );
    expect(await page.locator("#current-source").textContent()).toContain(
      "saved version 1",
    );
    expect(await previewHtml("en")).toContain("A line typed in the browser.");
    await shot("12-template-saved-version");
    expect(
      await db.templateVersion.findMany({
        where: { tenantId, template: "reflect" },
        select: { locale: true, version: true, savedBy: true },
      }),
    ).toEqual([{ locale: "en", version: 1, savedBy: editor }]);
  }, 60_000);
});
