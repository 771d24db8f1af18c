import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";

/**
 * The link-signing secret: BEKLIJF_SECRET when set; otherwise one generated on first start and
 * kept in the data dir (mode 0600), so links keep working across restarts.
 */
export function resolveSecret(
  configured: string | undefined,
  dataDir: string,
): string {
  if (configured !== undefined) return configured;
  const file = path.join(dataDir, "secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
