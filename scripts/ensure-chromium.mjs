// Runs before jest in `npm test`: the page tests drive Debian's Chromium (never a downloaded
// browser). Uses BEKLIJF_CHROMIUM or /usr/bin/chromium; when neither exists and this is a Debian
// machine where we are root, installs the `chromium` package once. Prints where it is, or why not.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const wanted = process.env.BEKLIJF_CHROMIUM ?? "/usr/bin/chromium";

function apt(args) {
  return spawnSync("apt-get", args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  }).status;
}

if (!existsSync(wanted)) {
  const canInstall =
    process.env.BEKLIJF_CHROMIUM === undefined &&
    process.getuid?.() === 0 &&
    spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (!canInstall) {
    console.error(
      `The page tests need Chromium at ${wanted}. Install Debian's package (apt-get install chromium) or set BEKLIJF_CHROMIUM to a Chromium binary.`,
    );
    process.exit(1);
  }
  console.log(
    "Installing Debian's chromium for the page tests (first run only)…",
  );
  if (apt(["install", "-y", "-q", "chromium"]) !== 0) {
    apt(["update", "-q"]);
    if (apt(["install", "-y", "-q", "chromium"]) !== 0) {
      console.error("Could not install chromium with apt-get.");
      process.exit(1);
    }
  }
}
