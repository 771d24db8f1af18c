import { verify, X509Certificate } from "node:crypto";

import { comparableStatement } from "./comparable-statement";
import { Statement } from "./statement";

// Signed statements (Data 2.6): the signature attachment holds a JWS whose payload is the
// statement as it was before the signature was added. The LRS MUST refuse malformed signatures:
// it decodes the JWS, checks the algorithm, checks that the payload is the same statement (by the
// statement comparison rules) and, when the header carries an X.509 certificate, that the
// signature verifies against it.

const HASHES: Readonly<Record<string, string>> = {
  RS256: "sha256",
  RS384: "sha384",
  RS512: "sha512",
};

function decodeJson(section: string): unknown {
  try {
    return JSON.parse(Buffer.from(section, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The statement without its attachments, as compared with a signed payload. */
function withoutAttachments(statement: Statement): string {
  return JSON.stringify(
    comparableStatement({ ...statement, attachments: undefined }),
  );
}

/** Problems with the JWS in a signature attachment of `statement`; empty when it is well formed. */
export function signatureIssues(statement: Statement, jws: string): string[] {
  const text = jws.trim();
  if (text.startsWith("{")) {
    return [
      "the signature must be a JWS in compact serialization (header.payload.signature), not JWS JSON serialization",
    ];
  }
  const sections = text.split(".");
  const [header, payload, signature] = sections;
  if (
    sections.length !== 3 ||
    header === undefined ||
    payload === undefined ||
    signature === undefined
  ) {
    return [
      "the signature must be a JWS in compact serialization: three base64url sections separated by dots",
    ];
  }
  const protectedHeader = decodeJson(header);
  if (!isObject(protectedHeader)) {
    return ["the JWS header of the signature is not base64url-encoded JSON"];
  }
  const alg = protectedHeader.alg;
  const hash = typeof alg === "string" ? HASHES[alg] : undefined;
  if (hash === undefined) {
    return [
      `the signature must use the JWS algorithm RS256, RS384 or RS512, not ${JSON.stringify(alg ?? null)}`,
    ];
  }
  const signed = Statement.safeParse(decodeJson(payload));
  if (!signed.success) {
    return [
      "the JWS payload of the signature is not a valid statement: sign the statement as it was before the signature was added",
    ];
  }
  const issues: string[] = [];
  if (withoutAttachments(signed.data) !== withoutAttachments(statement)) {
    issues.push(
      "the JWS payload of the signature is not the same statement as the one sent: sign the statement exactly as it is sent, before the signature attachment is added",
    );
  }
  const x5c = protectedHeader.x5c;
  const certificate = Array.isArray(x5c) ? (x5c[0] as unknown) : undefined;
  if (typeof certificate === "string") {
    try {
      const publicKey = new X509Certificate(Buffer.from(certificate, "base64"))
        .publicKey;
      const valid = verify(
        hash,
        Buffer.from(`${header}.${payload}`),
        publicKey,
        Buffer.from(signature, "base64url"),
      );
      if (!valid) {
        issues.push(
          "the signature does not verify against the X.509 certificate in the JWS header (x5c)",
        );
      }
    } catch {
      issues.push(
        "the X.509 certificate in the JWS header (x5c) cannot be read, or does not hold an RSA key",
      );
    }
  }
  return issues;
}
