import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { runCli } from "./run-beklijf";

// `npx beklijf preview`: a template of the default pack rendered to files, without a database.

describe("npx beklijf preview", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "beklijf-preview-"));

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes the HTML and the text part, with --data laid over the sample data", async () => {
    const data = path.join(dir, "data.json");
    writeFileSync(data, JSON.stringify({ recipient: { givenName: "Sam" } }));
    const result = await runCli(
      ["preview", "commit", "--locale", "nl", "--data", data, "--out", dir],
      {},
    );
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as Record<string, string>;
    expect(printed).toEqual({
      subject: "Sam, wanneer ga je Feedback geven toepassen?",
      locale: "nl",
      html: path.join(dir, "commit.nl.html"),
      text: path.join(dir, "commit.nl.txt"),
    });
    expect(readFileSync(path.join(dir, "commit.nl.html"), "utf8")).toContain(
      '<html lang="nl">',
    );
    expect(readFileSync(path.join(dir, "commit.nl.txt"), "utf8")).toContain(
      "Hoi Sam,",
    );
  });

  it("exits 2 naming the templates there are, or what is wrong with the data file", async () => {
    const unknown = await runCli(["preview", "nope", "--out", dir], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No template "nope"');
    expect(unknown.stderr).toContain("manager-aftertalk");
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, "[1, 2]");
    const notAnObject = await runCli(
      ["preview", "commit", "--data", bad, "--out", dir],
      {},
    );
    expect(notAnObject.code).toBe(2);
    expect(notAnObject.stderr).toContain("must hold a JSON object");
  });
});
