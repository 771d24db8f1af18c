// Signed statements (Data 2.6) in a multipart/mixed request: the signature part must be a JWS
// (compact, RS256/384/512) of the same statement, verified against its x5c certificate if any.
import { createHash, generateKeyPairSync, sign } from "node:crypto";

import { createManualClock, type Issue } from "@beklijf/core";

import type { AttachmentPart } from "./attachment-issues";
import { prepareStatement } from "./prepare";

/** A throwaway self-signed certificate and its key, made for this test only ("beklijf test signer"). */
const TEST_CERTIFICATE =
  "MIIDHzCCAgegAwIBAgIUeCH241JUqlby5nfPz+v2mSbMzFEwDQYJKoZIhvcNAQELBQAwHjEcMBoGA1UEAwwTYmVrbGlqZiB0ZXN0IHNpZ25lcjAgFw0yNjExMjMyMjMyMDRaGA8yMTI2MTAzMDIyMzIwNFowHjEcMBoGA1UEAwwTYmVrbGlqZiB0ZXN0IHNpZ25lcjCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAKbCSCZDOpegwizzb74Km0iMF70qlEhHdjSENRHlQgHSGny3F5ooxrYJ8ekYBo39XhRTGSj8WrhsVoOpXcUkgP8rQJlHZcs8nkRrHs5QHH9GFRKYeqvH+REFttUVlHLG1roKle4zDxj5G1T1B8fY4wuU6mq+7ox5NgE7YGnsFSQM9LJRiZ4MA2l3SpUwY0MgEUXYCEQxKvkuQJf3pmfDk0hXvsSeoipQ3Myw+5V/5K7VhZck8oBkMAwR8dP+tEHkDjaopv9gvjW0ahD8xWDX+x8i6f0CrEtvJSGAjiqEio+gYd0s+5c95W4jrVp8j+U4MYbN+3EZ3VnD6NfMO6x/Ug0CAwEAAaNTMFEwHQYDVR0OBBYEFO08+KQ3rzquvRAK+5NtsPkj5YVMMB8GA1UdIwQYMBaAFO08+KQ3rzquvRAK+5NtsPkj5YVMMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBAA2hrdMt8FDJWG6/mKvzlj4tI/4uDoEuEuqRLdYDWYpQPRCOlEBqisuvtF1m2qcEs7aehs0q1I5QXKFanOmTMWlTOgZJZp4I0vEZFAXLqA7q7cEaF8JX0aCzDPcjQ6+6r2UaBuU51rJQb2e0IBUOSkNU8LzQu1rdSQNy8Y+D4zTdfugv3t13RhXVor6ZGUL0rVIzr1qsBtF64wO9vlzCVnJjYAnEU5TYfOYJLYUaAHOBGorwo926eYUHfpEf7tLscwemuQDoxRcCg7rld//QojxeFAHRe4a/POCRdjePI3xhSkaboHn0sTzwEJsMt5ymbIeDQx7XU+JXsoiXN8AvIlA=";
const TEST_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCmwkgmQzqXoMIs
82++CptIjBe9KpRIR3Y0hDUR5UIB0hp8txeaKMa2CfHpGAaN/V4UUxko/Fq4bFaD
qV3FJID/K0CZR2XLPJ5Eax7OUBx/RhUSmHqrx/kRBbbVFZRyxta6CpXuMw8Y+RtU
9QfH2OMLlOpqvu6MeTYBO2Bp7BUkDPSyUYmeDANpd0qVMGNDIBFF2AhEMSr5LkCX
96Znw5NIV77EnqIqUNzMsPuVf+Su1YWXJPKAZDAMEfHT/rRB5A42qKb/YL41tGoQ
/MVg1/sfIun9AqxLbyUhgI4qhIqPoGHdLPuXPeVuI61afI/lODGGzftxGd1Zw+jX
zDusf1INAgMBAAECggEACTaHH2wL7uggCjU52XVDDn9E6XvSfOrLzkt2liJFIw4d
TgIckPULQ2/puE/OPuZ+Xd+YboIArhs4LWZ8SoHBibd1RnKiHlgfQ1bquQnGhUaV
L/WSI271JPpcl0mtraisINOoZGRYQ3Ax0SAHecRTCOcFi3e4fLTOpcNGyJtVMKxa
svxQ+9aqHkjkkaQ+HkSfQaulJasnXwaFoy92KVQ8VJhXFxkOLRSTdNaR+TtKvs8a
DUamQCA/3WcEh9MTWHqR4UgUYlicJHp9O3uogRuhLeICjBwl5tRhQ6ZRpVHWdz4h
Rg1DRO9CzHIq622v4oAycGta6GoumJW9E3UE4rXTiQKBgQDbCY87OIulIz0F+CYJ
HeknDSjShu2XfqZT0inKeleLGeqmvX1TogjnokEsMvnzV7qszfGsMXa1lBKK73HN
GfpIcs0SUOsvpKdbojs0Ticvj0pSHy0iNu3ESX+oKplykdc1zZE3y7RV6UWQrdBY
Go0qb+uY4hjH11JDxrSOPduxdQKBgQDC5kmnGdIIsPQxhWK/o70//+GLzHq0U1DR
Tq3k6+1ETx1PN2SGyP4NWjsCAUTzOXSdZ1CLRyHw6/7FNHAdVCTtEbAEAnAUA2wj
RkS0fo6gAfLCLJWIvQHpKH5gXDALfSJGcC/durUvmFBBOLGRuySSR2JDv4SpoeIj
90Ljc4CzOQKBgCYf2NVW9z9sDcAPPBeUJDPO348dOxeGTM8EIpACkWA9x5D0JG89
Ic2neS6HROgtGengArOU/HOIbV3PZYBsiBq6GKWafgUR5KtXZnSpMbredvIqSQHO
i74BiP2tRH4jklDkEeWjSCU38ArJphzfqjh7uIcou2V1PfVcDatAaw/NAoGAc0YV
hfnlmjJfG/MShtpnkrTbR/43DPTCNinc/Cr2eJJ6eWH/2SCD8o3NnM/3Ygw3humW
X+pAjuhmFWmAbjhYZscxXg27EHs9uFdVR5Qa81RzqpkIEIoJ2UeUB5Y+7Gykmxi7
lt9ZTr89qHXJwLH5XXNPEVbzNgmDYVZbf3/PPTECgYAYiNgMh9OGeUVYbfVFLTvO
uQG89Y7GcHu9LxHlCc+2RUv+kafY2rs0IcAm5wgXuojNN1xTgWHMz2dWkArfDCjC
v1KLStTOBcSsWwh+BY7wW4UGIuQunVonuMs2dHWqKNQ/Y7c8lquuZSS8nU2NYqMT
rmqInJWpVmC4ypfkIjp4Cw==
-----END PRIVATE KEY-----`;

const clock = createManualClock(new Date("2026-05-04T10:00:00Z"));

const STATEMENT = {
  id: "3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f",
  actor: { objectType: "Agent", mbox: "mailto:anna@example.com" },
  verb: { id: "http://adlnet.gov/expapi/verbs/passed" },
  object: { objectType: "Activity", id: "https://lms.example.com/exam/1" },
  timestamp: "2026-05-04T09:00:00Z",
};

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function aJws(options: {
  header?: Record<string, unknown>;
  payload?: unknown;
  key?: string | ReturnType<typeof generateKeyPairSync>["privateKey"];
}): string {
  const header = base64url(
    options.header ?? { alg: "RS256", x5c: [TEST_CERTIFICATE] },
  );
  const payload = base64url(options.payload ?? STATEMENT);
  const signature = sign(
    "sha256",
    Buffer.from(`${header}.${payload}`),
    options.key ?? TEST_PRIVATE_KEY,
  ).toString("base64url");
  return `${header}.${payload}.${signature}`;
}

function issuesOfSigned(jws: string): readonly Issue[] {
  const content = new TextEncoder().encode(jws);
  const sha2 = createHash("sha256").update(content).digest("hex");
  const part: AttachmentPart = {
    sha2,
    contentType: "application/octet-stream",
    content,
  };
  const signed = {
    ...STATEMENT,
    attachments: [
      {
        usageType: "http://adlnet.gov/expapi/attachments/signature",
        display: { "en-US": "Signature" },
        contentType: "application/octet-stream",
        length: content.length,
        sha2,
      },
    ],
  };
  const result = prepareStatement(signed, { clock, attachmentParts: [part] });
  return result.ok ? [] : result.error;
}

describe("signed statements", () => {
  it("accepts a JWS of the same statement that verifies against its certificate", () => {
    expect(issuesOfSigned(aJws({}))).toEqual([]);
  });

  it("accepts a JWS without a certificate, of the statement without its id", () => {
    const { id: _id, ...withoutId } = STATEMENT;
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    expect(
      issuesOfSigned(
        aJws({ header: { alg: "RS384" }, payload: withoutId, key: privateKey }),
      ),
    ).toEqual([]);
  });

  it.each<[label: string, jws: () => string, fragment: string]>([
    [
      "a payload that is another statement",
      () =>
        aJws({
          payload: {
            ...STATEMENT,
            verb: { id: "http://adlnet.gov/expapi/verbs/failed" },
          },
        }),
      "not the same statement as the one sent",
    ],
    [
      "a payload that is no statement",
      () => aJws({ payload: { hello: "world" } }),
      "not a valid statement",
    ],
    [
      "an algorithm other than RS256, RS384 or RS512",
      () => aJws({ header: { alg: "HS256" } }),
      "must use the JWS algorithm RS256, RS384 or RS512",
    ],
    [
      "a signature by another key than the certificate's",
      () =>
        aJws({
          key: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey,
        }),
      "does not verify against the X.509 certificate",
    ],
    [
      "two sections",
      () => "eyJhbGciOiJSUzI1NiJ9.e30",
      "three base64url sections",
    ],
    [
      "JWS JSON serialization",
      () => '{"payload":"e30","signatures":[]}',
      "compact serialization",
    ],
  ])("refuses %s", (_label, jws, fragment) => {
    expect(issuesOfSigned(jws())).toContainEqual({
      path: ["attachments", 0],
      message: expect.stringContaining(fragment) as unknown,
    });
  });
});
