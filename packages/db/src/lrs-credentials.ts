import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
} from "node:crypto";

/**
 * A password beklijf must send to an external LRS cannot be hashed, so it is sealed: AES-256-GCM
 * under a key derived (HKDF-SHA256) from the deployment's secret (BEKLIJF_SECRET). The sealed text
 * names the key it was sealed under, so opening it with another secret fails clearly instead of
 * yielding garbage. Format: `v1.<key id>.<iv>.<ciphertext>.<tag>`, base64url parts.
 */
const VERSION = "v1";
const INFO = "beklijf/lrs-credentials/v1";

/** The derived key and its short public id (the first 8 hex digits of its sha256). */
function deriveKey(secret: string): { key: Buffer; id: string } {
  const key = Buffer.from(hkdfSync("sha256", secret, "beklijf", INFO, 32));
  return {
    key,
    id: createHash("sha256").update(key).digest("hex").slice(0, 8),
  };
}

/** The sealed text of an LRS password (a fresh random IV each time). */
export function sealLrsPassword(password: string, secret: string): string {
  const { key, id } = deriveKey(secret);
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(password, "utf8"), cipher.final()]);
  return [
    VERSION,
    id,
    iv.toString("base64url"),
    body.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
  ].join(".");
}

/** The sealed password was sealed under another secret, or was tampered with. */
export class LrsPasswordUnreadableError extends Error {
  readonly code = "LRS_PASSWORD_UNREADABLE";
  constructor(reason: string) {
    super(
      `The stored LRS password cannot be read: ${reason}. Enter the password again (connection update).`,
    );
    this.name = "LrsPasswordUnreadableError";
  }
}

/**
 * Opens a sealed LRS password with the first of `secrets` whose key sealed it: the current
 * BEKLIJF_SECRET first, then any previous ones still accepted while passwords are re-entered.
 */
export function openLrsPassword(
  sealed: string,
  secrets: readonly string[],
): string {
  const [version, id, iv, body, tag] = sealed.split(".");
  if (
    version !== VERSION ||
    id === undefined ||
    iv === undefined ||
    body === undefined ||
    tag === undefined
  )
    throw new LrsPasswordUnreadableError("it is not in a known format");
  const match = secrets.map(deriveKey).find((k) => k.id === id);
  if (match === undefined)
    throw new LrsPasswordUnreadableError(
      "it was sealed under another BEKLIJF_SECRET",
    );
  try {
    const nonce = Buffer.from(iv, "base64url");
    const authTag = Buffer.from(tag, "base64url");
    // A full 96-bit nonce and 128-bit tag only: Node would otherwise accept tags of 4 bytes.
    if (nonce.length !== 12 || authTag.length !== 16)
      throw new Error("nonce or tag has the wrong length");
    const decipher = createDecipheriv("aes-256-gcm", match.key, nonce, {
      authTagLength: 16,
    });
    decipher.setAuthTag(authTag);
    return Buffer.concat([
      decipher.update(Buffer.from(body, "base64url")),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw new LrsPasswordUnreadableError("it does not authenticate");
  }
}
