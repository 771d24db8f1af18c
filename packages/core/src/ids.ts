import { createHash, hash, randomUUID } from "node:crypto";

/** The fixed namespace under which beklijf derives deterministic (v5) UUIDs. Never change it. */
export const BEKLIJF_NAMESPACE = "6f1c3f0e-6d2b-5b7e-9a57-2f0d6c8b4e11";

const UUID_PATTERN =
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** Namespace UUID -> its 16 bytes: parsed once, as every planned nudge derives ids under one. */
const namespaceBytes = new Map<string, Buffer>();

function parseNamespace(namespace: string): Buffer {
  let bytes = namespaceBytes.get(namespace);
  if (bytes === undefined) {
    if (!isUuid(namespace))
      throw new RangeError(`namespace is not a UUID: ${namespace}`);
    bytes = Buffer.from(namespace.replace(/-/g, ""), "hex");
    // A handful of namespaces exist; the bound only guards against a caller passing many.
    if (namespaceBytes.size >= 64) namespaceBytes.clear();
    namespaceBytes.set(namespace, bytes);
  }
  return bytes;
}

/** RFC 9562 version-5 UUID (SHA-1 of namespace + name): the same name always gives the same id. */
export function uuidV5(
  name: string,
  namespace: string = BEKLIJF_NAMESPACE,
): string {
  const ns = parseNamespace(namespace);
  // One buffer and a one-shot hash: the engine derives ten of these per completion.
  const data = Buffer.allocUnsafe(16 + Buffer.byteLength(name, "utf8"));
  ns.copy(data, 0);
  data.write(name, 16, "utf8");
  const hex = hash("sha1", data, "hex");
  // The first 16 bytes, with version 5 in the high nibble of byte 6 (hex digit 12) and the RFC
  // variant (binary 10) in the two high bits of byte 8 (hex digit 16).
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A random (v4) UUID. */
export function randomId(): string {
  return randomUUID();
}

/** sha256 hex digest of a string, e.g. to store a high-entropy token. */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}
