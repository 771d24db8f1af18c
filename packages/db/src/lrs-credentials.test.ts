import {
  LrsPasswordUnreadableError,
  openLrsPassword,
  sealLrsPassword,
} from "./lrs-credentials";

const SECRET = "one-deployment-secret-of-32-chars-or-more";
const OTHER = "another-deployment-secret-of-32-chars-too";

describe("sealLrsPassword / openLrsPassword", () => {
  it("opens what it sealed, and never shows the password in the sealed text", () => {
    const sealed = sealLrsPassword("pässwörd: 🔑", SECRET);
    expect(sealed).not.toContain("pässwörd");
    expect(openLrsPassword(sealed, [SECRET])).toBe("pässwörd: 🔑");
  });

  it("seals the same password differently each time (a fresh IV)", () => {
    expect(sealLrsPassword("same", SECRET)).not.toBe(
      sealLrsPassword("same", SECRET),
    );
  });

  it("opens with a previous secret listed after the current one", () => {
    const sealed = sealLrsPassword("kept", OTHER);
    expect(openLrsPassword(sealed, [SECRET, OTHER])).toBe("kept");
  });

  it.each([
    ["another secret", sealLrsPassword("x", OTHER), /another BEKLIJF_SECRET/],
    [
      "a tampered ciphertext",
      tamper(sealLrsPassword("x", SECRET)),
      /does not authenticate/,
    ],
    ["another format", "plain text", /known format/],
  ])("refuses %s with LRS_PASSWORD_UNREADABLE", (_what, sealed, message) => {
    expect(() => openLrsPassword(sealed, [SECRET])).toThrow(
      LrsPasswordUnreadableError,
    );
    expect(() => openLrsPassword(sealed, [SECRET])).toThrow(message);
  });
});

function tamper(sealed: string): string {
  const parts = sealed.split(".");
  const body = Buffer.from(parts[3] ?? "", "base64url");
  body[0] = (body[0] ?? 0) ^ 1;
  parts[3] = body.toString("base64url");
  return parts.join(".");
}
