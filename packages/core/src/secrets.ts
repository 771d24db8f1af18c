import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

// Passwords and connection secrets are stored as scrypt hashes:
// "scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>". Parameters travel with the hash, so they can be
// raised later without invalidating stored secrets.

const N = 16_384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(
  secret: string,
  salt: Buffer,
  n: number,
  r: number,
  p: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      secret,
      salt,
      KEY_LENGTH,
      { N: n, r, p, maxmem: 64 * 1024 * 1024 },
      (error, key) => {
        if (error) reject(error);
        else resolve(key);
      },
    );
  });
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

export async function verifySecret(
  secret: string,
  stored: string,
): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (
    scheme !== "scrypt" ||
    n === undefined ||
    r === undefined ||
    p === undefined ||
    salt === undefined ||
    hash === undefined
  )
    return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await derive(
    secret,
    Buffer.from(salt, "base64url"),
    Number(n),
    Number(r),
    Number(p),
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A random token of `bytes` bytes of entropy, base64url, optionally with a readable prefix. */
export function randomToken(bytes = 24, prefix = ""): string {
  return `${prefix}${randomBytes(bytes).toString("base64url")}`;
}
