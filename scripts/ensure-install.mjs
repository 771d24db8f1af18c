// Runs before `npm start` and `npm test`: installs dependencies from the lockfile the first time
// (or when the lockfile changed), so a fresh clone needs nothing but these two commands.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const lockfile = path.join(root, "package-lock.json");
const stamp = path.join(root, "node_modules", ".beklijf-install-stamp");
const digest = createHash("sha256")
  .update(readFileSync(lockfile))
  .digest("hex");

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(
    `beklijf needs Node.js 20.19 or newer; this is ${process.versions.node}.`,
  );
  process.exit(1);
}

const generated = path.join(
  root,
  "packages",
  "db",
  "src",
  "generated",
  "prisma",
  "client.ts",
);
if (
  existsSync(stamp) &&
  readFileSync(stamp, "utf8").trim() === digest &&
  existsSync(generated)
)
  process.exit(0);

console.log("Installing dependencies from package-lock.json (first run only)…");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
// `npm install` rather than `npm ci`: it installs exactly what the lockfile pins, but does not
// refuse a lockfile that lacks other platforms' optional binaries (some registries don't list them).
const result = spawnSync(npm, ["install", "--no-audit", "--no-fund"], {
  cwd: root,
  stdio: "inherit",
});
if (result.status !== 0) {
  console.error("npm install failed; see above. Nothing else was started.");
  process.exit(result.status ?? 1);
}
writeFileSync(stamp, `${digest}\n`);
