import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import {
  clearRedisPrefix,
  type OwnTestDb,
  ownTestDb,
  type SmtpSink,
  startSmtpSink,
  TEST_REDIS_URL,
  testRedis,
  uniqueRedisPrefix,
} from "@beklijf/testing";
import { launchChromium } from "@beklijf/testing/browser";
import type { Redis } from "ioredis";
import type { Browser, Page } from "playwright-core";

import { runBeklijf, type RunningBeklijf } from "./run-beklijf";

// The console as a person uses it, in Debian's headless Chromium against `npm start`'s process
// on a database of its own (so the first start creates and prints the first console admin).
// Screenshots land in test-artifacts/console/.

const SHOTS = path.resolve(__dirname, "../../test-artifacts/console");

describe("the console in a browser", () => {
  let own: OwnTestDb;
  let sink: SmtpSink;
  let redis: Redis;
  let beklijf: RunningBeklijf;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let admin: { email: string; password: string };
  const prefix = uniqueRedisPrefix("console");

  const shot = (name: string) =>
    page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    own = await ownTestDb();
    sink = await startSmtpSink();
    redis = testRedis();
    dataDir = mkdtempSync(path.join(tmpdir(), "beklijf-console-"));
    beklijf = await runBeklijf({
      DATABASE_URL: own.url,
      REDIS_URL: TEST_REDIS_URL,
      SMTP_URL: sink.url,
      BEKLIJF_REDIS_PREFIX: prefix,
      BEKLIJF_DATA_DIR: dataDir,
      BEKLIJF_SECRET: "console-secret-console-secret-000000",
    });
    const printed = /email (\S+), password (\S+)/.exec(beklijf.output());
    if (printed?.[1] === undefined || printed[2] === undefined)
      throw new Error(`no console admin printed:\n${beklijf.output()}`);
    admin = { email: printed[1], password: printed[2] };
    browser = await launchChromium();
    page = await browser.newPage({
      locale: "en-GB",
      viewport: { width: 1200, height: 900 },
    });
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    expect(await beklijf.stop()).toBe(0);
    await clearRedisPrefix(redis, prefix);
    redis.disconnect();
    await sink.close();
    await own.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("signs in with the first admin printed at first start", async () => {
    await page.goto(`${beklijf.url}/console/connections`);
    expect(new URL(page.url()).pathname).toBe("/console/sign-in");
    await page.getByLabel("Email address").fill(admin.email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("not right");
    await shot("01-sign-in-refused");
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Connections" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/console/connections");
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
  }, 60_000);

  it("creates a connection and shows its secret once", async () => {
    await page.getByLabel("Name", { exact: true }).fill("moodle");
    await page.getByRole("button", { name: "Create" }).click();
    await page
      .getByRole("heading", { name: /Connection created: moodle/ })
      .waitFor();
    const secret = await page.locator("#secret").textContent();
    expect(secret?.length).toBeGreaterThan(20);
    expect(await page.locator("#endpoint").textContent()).toBe(
      `${beklijf.url}/xapi`,
    );
    await shot("02-connection-created");
    await page.getByRole("link", { name: "moodle" }).click();
    await page.getByRole("heading", { name: "moodle" }).waitFor();
    expect(await page.content()).not.toContain(secret ?? "-");
  }, 60_000);

  it("sends a test statement through ingest's storage and counts it", async () => {
    expect(await page.locator("#accepted").textContent()).toBe("0");
    await page.getByRole("button", { name: "Send a test statement" }).click();
    await page.getByText("Test statement stored").waitFor();
    expect(await page.locator("#accepted").textContent()).toBe("1");
    await shot("03-test-statement");
  }, 60_000);

  it("edits a rule and shows the parser's problem next to the field", async () => {
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Rules" })
      .click();
    await page.getByRole("heading", { name: "Rules" }).waitFor();
    await page.locator("table a").first().click();
    const field = page.getByLabel("Rule (JSON)");
    const text = await field.inputValue();
    const rule = JSON.parse(text) as { steps: { offset: unknown }[] };
    const first = rule.steps[0];
    if (first === undefined) throw new Error("the rule has no steps");
    first.offset = "four hours";
    await field.fill(JSON.stringify(rule, null, 2));
    await page.locator("#main").getByRole("button", { name: "Save" }).click();
    await page.getByRole("alert").waitFor();
    const alert = (await page.getByRole("alert").textContent()) ?? "";
    expect(alert).toContain("The rule was not saved");
    expect(alert).toContain("steps.0.offset");
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    await shot("04-rule-validation-error");
  }, 60_000);

  it("opens the transfer dashboard, with the test completion counted", async () => {
    // The engine plans the test completion within seconds; the dashboard counts its plan.
    const deadline = Date.now() + 45_000;
    for (;;) {
      await page.goto(`${beklijf.url}/console?by=training`);
      if (
        (await page.getByRole("rowheader", { name: "beklijf test" }).count()) >
        0
      )
        break;
      if (Date.now() > deadline)
        throw new Error("the test completion never reached the dashboard");
      await page.waitForTimeout(500);
    }
    await page.getByRole("heading", { name: "Transfer dashboard" }).waitFor();
    await shot("05-dashboard");
    const csv = await page.request.get(
      `${beklijf.url}/console/dashboard.csv?by=training`,
    );
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain("beklijf test");
  }, 120_000);

  it("moves the test completion's plan to a new rule version: preview, then confirm", async () => {
    await page.goto(`${beklijf.url}/console/rules`);
    await page
      .getByRole("link", { name: "after-training", exact: true })
      .click();
    const field = page.getByLabel("Rule (JSON)");
    const rule = JSON.parse(await field.inputValue()) as {
      steps: { key: string }[];
    };
    rule.steps = rule.steps.filter((step) => step.key !== "apply");
    await field.fill(JSON.stringify(rule, null, 2));
    await page.locator("#main").getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved as version 2").waitFor();
    await page
      .getByRole("button", {
        name: "Preview moving them to the current version",
      })
      .click();
    const panel = page.locator("#migrate");
    await panel
      .getByText("Running plans that would move to version 2: 1")
      .waitFor();
    // Kept, re-planned, cancelled, added, skipped: the removed step's pending nudge is cancelled.
    expect(await panel.innerHTML()).toMatch(
      /<code>apply<\/code><\/th><td>0<\/td><td>0<\/td><td>1<\/td><td>0<\/td><td>0<\/td>/,
    );
    await shot("05b-rule-migration-preview");
    await panel.getByRole("button", { name: "Move these plans now" }).click();
    await page.getByText("Plans moved to the current version: 1").waitFor();
  }, 60_000);

  it("switches to Dutch and back", async () => {
    await page.getByLabel("Language").selectOption("nl");
    await page.getByRole("button", { name: "Save" }).first().click();
    await page.getByRole("heading", { name: "Transferdashboard" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("nl");
    await shot("06-dashboard-nl");
    await page.getByLabel("Taal").selectOption("en");
    await page.getByRole("button", { name: "Opslaan" }).first().click();
    await page.getByRole("heading", { name: "Transfer dashboard" }).waitFor();
  }, 60_000);

  it("previews a template in nl and en side by side and shows a check's problem", async () => {
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Content" })
      .click();
    await page.getByRole("heading", { name: "Content" }).waitFor();
    await page.getByRole("link", { name: "reflect", exact: true }).click();
    await page.getByRole("heading", { name: /reflect/ }).waitFor();
    // The previews are sandboxed srcdoc frames under the page's CSP; their text is there.
    await page
      .frameLocator('iframe[title="Preview en"]')
      .getByText("Write your reflection")
      .first()
      .waitFor();
    await page
      .frameLocator('iframe[title="Preview nl"]')
      .locator("body")
      .waitFor();
    expect(
      await page
        .frameLocator('iframe[title="Preview nl"]')
        .locator("body")
        .textContent(),
    ).toMatch(/\S/);
    // A full-page shot of a page taller than the window leaves frames unpainted: shoot the previews.
    await page
      .locator(".previews")
      .screenshot({ path: path.join(SHOTS, "09-template-preview.png") });
    const html = page.getByLabel("HTML body (Handlebars)");
    await html.fill(`${await html.inputValue()}\n{{#if recipient.givenName}}`);
    await page.getByRole("button", { name: "Check" }).click();
    await page.getByRole("alert").waitFor();
    const alert = (await page.getByRole("alert").textContent()) ?? "";
    expect(alert).toContain("The template does not work");
    expect(alert).toContain("reflect");
    await shot("10-template-check-error");
  }, 60_000);

  it("imports people from a CSV file and reports the bad row", async () => {
    await page.goto(`${beklijf.url}/console/people`);
    await page.getByRole("heading", { name: "People", exact: true }).waitFor();
    const csv = [
      "email,name,externalId,manager",
      "anna.devries@example.nl,Anna de Vries,HR-1,mia.manager@example.nl",
      "mia.manager@example.nl,Mia Manager,HR-2,",
      "no address,Kees,HR-3,",
    ].join("\n");
    await page.getByLabel("CSV file").setInputFiles({
      name: "people.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(csv),
    });
    await page.getByRole("button", { name: "Import" }).click();
    await page.getByRole("heading", { name: "Import report" }).waitFor();
    expect(await page.locator("#import-counts").textContent()).toContain(
      "Created: 2",
    );
    expect(await page.getByRole("row", { name: /^4 email/ }).count()).toBe(1);
    await shot("11-import-report");
  }, 60_000);

  it("shows a progress bar while a large file imports, then the report on the same page", async () => {
    await page.goto(`${beklijf.url}/console/people`);
    const rows = Array.from(
      { length: 1_000 },
      (_, i) => `bulk-${i}@example.nl,Bulk ${i}`,
    );
    await page.getByLabel("CSV file").setInputFiles({
      name: "people.csv",
      mimeType: "text/csv",
      buffer: Buffer.from(["email,name", ...rows].join("\n")),
    });
    // Without waiting for the page: it streams while the import runs.
    const submitted = page.getByRole("button", { name: "Import" }).click();
    const bar = page.locator("#import-progress .import-step").first();
    await bar.waitFor({ state: "visible", timeout: 60_000 });
    // The report is not there yet while the bar shows.
    expect(await page.locator("#import-counts").count()).toBe(0);
    expect(await bar.textContent()).toMatch(/\d+% · Rows read: \d+/);
    await shot("11-import-progress");
    await submitted;
    await page.locator("#import-counts").waitFor({ timeout: 120_000 });
    expect(await page.locator("#import-counts").textContent()).toContain(
      "Rows read: 1000",
    );
  }, 180_000);

  it("finds a person and their timeline, with each nudge's status", async () => {
    await page.goto(`${beklijf.url}/console/people`);
    await page.getByLabel("Search people").fill(admin.email);
    await page.getByRole("button", { name: "Filter" }).click();
    await page.locator("table a").first().click();
    await page.getByRole("heading", { name: "Timeline" }).waitFor();
    const rows = page.locator("#timeline tbody tr");
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await rows.first().textContent()).not.toContain("No nudges");
    await shot("12-person-timeline");
    await page.goto(`${beklijf.url}/console/people?q=anna`);
    await page.getByRole("link", { name: "Anna de Vries" }).click();
    await page.getByRole("heading", { name: "Anna de Vries" }).waitFor();
  }, 60_000);

  it("fits a phone's screen without sideways scrolling", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of ["/console", "/console/connections", "/console/rules"]) {
      await page.goto(`${beklijf.url}${path}`);
      // A string: this package is type-checked without the DOM's types.
      const overflow: unknown = await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      );
      expect({ path, overflow }).toEqual({ path, overflow: 0 });
    }
    await shot("08-rules-phone");
    await page.setViewportSize({ width: 1200, height: 900 });
  }, 60_000);

  it("opens Bull Board for the admin", async () => {
    await page.goto(`${beklijf.url}/console/operators`);
    await page.getByRole("link", { name: "Queues (Bull Board)" }).click();
    await page.getByText("statements").first().waitFor({ timeout: 15_000 });
    await shot("07-bull-board");
  }, 60_000);
});
