#!/usr/bin/env node
// Runs the Prisma CLI of packages/db: `node scripts/prisma.mjs <prisma args...>`, from any cwd.
//
// Why a wrapper: on machines without internet (only the npm registry) the CLI tries to download its
// native schema engine even for `generate`, `validate` and `format`, which do not need it. Pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any existing file stops the download, and CHECKPOINT_DISABLE stops
// the update check. Both are only set when the caller has not set them, so a real engine still wins.
// `migrate dev|deploy|status` and `db push` still need the real engine; beklijf applies migrations
// itself (docs/decisions/0002-migrations-without-the-native-schema-engine.md).
import { spawn } from "node:child_process";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dbPackageDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "packages",
  "db",
);

/**
 * Returns `env` plus the offline settings, creating the stub engine file if needed.
 * @param {NodeJS.ProcessEnv} env
 * @returns {NodeJS.ProcessEnv}
 */
export function withOfflinePrismaEnv(env = process.env) {
  const result = { ...env };
  if (!result.PRISMA_SCHEMA_ENGINE_BINARY) {
    // A script that fails loudly, so a command that really needs the engine says why it cannot run.
    const stub = path.join(os.tmpdir(), "beklijf-prisma-schema-engine-stub");
    if (!existsSync(stub)) {
      writeFileSync(
        stub,
        "#!/bin/sh\necho 'beklijf: the native Prisma schema engine is not installed (offline stub); see docs/decisions/0002' >&2\nexit 1\n",
      );
      chmodSync(stub, 0o755);
    }
    result.PRISMA_SCHEMA_ENGINE_BINARY = stub;
  }
  result.CHECKPOINT_DISABLE ??= "1";
  return result;
}

function main() {
  const require = createRequire(path.join(dbPackageDir, "package.json"));
  const cli = require.resolve("prisma/build/index.js");
  // cwd packages/db so the CLI finds prisma.config.ts (schema and migrations paths).
  const child = spawn(process.execPath, [cli, ...process.argv.slice(2)], {
    cwd: dbPackageDir,
    env: withOfflinePrismaEnv(),
    stdio: "inherit",
  });
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("error", (error) => {
    console.error(`beklijf: could not start the Prisma CLI: ${error.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    process.exit(code ?? (signal ? 1 : 0));
  });
}

if (
  process.argv[1] &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  main();
}
