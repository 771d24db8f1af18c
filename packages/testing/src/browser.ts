import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium (scripts/ensure-chromium.mjs installs it), or BEKLIJF_CHROMIUM. */
export const CHROMIUM_PATH =
  process.env["BEKLIJF_CHROMIUM"] ?? "/usr/bin/chromium";

/**
 * Headless Chromium for the page tests, never a downloaded browser. The flags keep it from
 * reaching out to Google's services, which this machine's closed network refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
