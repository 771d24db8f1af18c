// `npm test`: the whole verification, the same locally and in CI (.ci/run).
// 1. static checks: types, lint (with the dependency tiers), formatting, import cycles,
//    migrations vs schema
// 2. jest: unit tests and integration/end-to-end tests against real Postgres, Redis and SMTP
// Ends with one line "N passed, M failed" (each check counts as one, plus every jest test).
// `npm test -- --no-checks [jest args…]` runs only jest, e.g. `npm test -- --no-checks packages/rules`.
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const args = process.argv.slice(2);
const runChecks = !args.includes("--no-checks");
const jestArgs = args.filter((a) => a !== "--no-checks");

const checks = [
  {
    name: "typecheck",
    command: bin("tsc"),
    args: ["-p", "tsconfig.json", "--noEmit"],
  },
  {
    name: "lint (incl. dependency tiers)",
    command: bin("eslint"),
    args: ["--max-warnings", "0", "."],
  },
  {
    name: "formatting (prettier)",
    command: bin("prettier"),
    args: [
      "--check",
      "--log-level",
      "warn",
      "**/*.{ts,mjs,js,json,yml,yaml,md}",
    ],
  },
  {
    name: "no import cycles",
    command: bin("madge"),
    args: [
      "--circular",
      "--no-spinner",
      "--extensions",
      "ts",
      "--exclude",
      "generated",
      ...globDirs(),
    ],
  },
  {
    name: "migrations match schema.prisma",
    command: process.execPath,
    args: [path.join(root, "packages/db/scripts/migrations.mjs"), "check"],
  },
];

function globDirs() {
  const dirs = [];
  for (const group of ["packages", "services"]) {
    for (const name of readdirSafe(path.join(root, group))) {
      const src = path.join(group, name, "src");
      if (existsSync(path.join(root, src))) dirs.push(src);
    }
  }
  return dirs;
}

function readdirSafe(dir) {
  return existsSync(dir) ? readdirSync(dir) : [];
}

let passed = 0;
let failed = 0;
const failures = [];

if (runChecks) {
  for (const check of checks) {
    const started = Date.now();
    process.stdout.write(`\n▶ ${check.name}\n`);
    const result = spawnSync(check.command, check.args, {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, NO_UPDATE_NOTIFIER: "1" },
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (result.status === 0) {
      passed += 1;
      process.stdout.write(`✔ ${check.name} (${seconds} s)\n`);
    } else {
      failed += 1;
      failures.push(check.name);
      process.stdout.write(`✖ ${check.name} failed (${seconds} s)\n`);
    }
  }
}

// The page tests drive Debian's Chromium; install it first if this machine lacks it.
const chromium = spawnSync(
  process.execPath,
  [path.join(root, "scripts/ensure-chromium.mjs")],
  { cwd: root, stdio: "inherit" },
);
if (chromium.status !== 0) {
  failed += 1;
  failures.push("chromium for the page tests");
}

const artifacts = path.join(root, "test-artifacts");
mkdirSync(artifacts, { recursive: true });
const report = path.join(artifacts, "jest.json");
// A report left by an earlier run must not be counted as this run's.
rmSync(report, { force: true });
process.stdout.write("\n▶ jest (unit, integration and end-to-end)\n");
const jest = spawnSync(
  bin("jest"),
  ["--json", `--outputFile=${report}`, ...jestArgs],
  { cwd: root, stdio: "inherit" },
);
if (existsSync(report)) {
  const summary = JSON.parse(readFileSync(report, "utf8"));
  passed += summary.numPassedTests;
  // A suite that could not run at all (syntax error, failing hook) counts as a failure too.
  failed += summary.numFailedTests + summary.numRuntimeErrorTestSuites;
  if (summary.numFailedTests + summary.numRuntimeErrorTestSuites > 0)
    failures.push("jest");
  if (summary.numTotalTests === 0) {
    failed += 1;
    failures.push("jest ran no tests");
  }
} else {
  failed += 1;
  failures.push(`jest did not report (exit ${jest.status})`);
}
if (jest.status !== 0 && !failures.includes("jest")) {
  failed += 1;
  failures.push(`jest exited with ${jest.status}`);
}

if (failures.length > 0)
  process.stdout.write(`\nFailed: ${failures.join(", ")}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
