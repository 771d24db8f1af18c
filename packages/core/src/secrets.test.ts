import { hashSecret, randomToken, verifySecret } from "./secrets";

describe("hashSecret", () => {
  it("verifies the right secret and refuses a wrong one", async () => {
    const stored = await hashSecret("s3cret-value");
    expect(stored.startsWith("scrypt$16384$8$1$")).toBe(true);
    expect(stored).not.toContain("s3cret-value");
    await expect(verifySecret("s3cret-value", stored)).resolves.toBe(true);
    await expect(verifySecret("s3cret-valuf", stored)).resolves.toBe(false);
  });

  it("salts, so one secret hashes differently twice", async () => {
    expect(await hashSecret("same")).not.toBe(await hashSecret("same"));
  });

  it("refuses a malformed stored hash", async () => {
    await expect(verifySecret("x", "plain-text")).resolves.toBe(false);
  });
});

describe("randomToken", () => {
  it("is unique and carries its prefix", () => {
    const a = randomToken(24, "bk_");
    expect(a.startsWith("bk_")).toBe(true);
    expect(a).not.toBe(randomToken(24, "bk_"));
  });
});
