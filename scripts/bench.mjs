// `npm run bench -- <name> [options]`: runs bench/<name>.mjs, which prints its figures.
// Benchmarks are scripts that measure and print; they never assert (STYLE.md §8).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const available = readdirSync(path.join(root, "bench"))
  .filter((f) => f.endsWith(".mjs") && !f.startsWith("_"))
  .map((f) => f.slice(0, -4));
const [name, ...rest] = process.argv.slice(2);
if (name === undefined || !available.includes(name)) {
  console.error(`Usage: npm run bench -- <${available.join("|")}> [options]`);
  process.exit(2);
}
const script = path.join(root, "bench", `${name}.mjs`);
if (!existsSync(script)) process.exit(2);
const result = spawnSync(process.execPath, [script, ...rest], {
  cwd: root,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
