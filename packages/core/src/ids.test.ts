import { createHash } from "node:crypto";

import { isUuid, uuidV5 } from "./ids";

/** The first implementation (a hash object per id), to compare with. */
function referenceUuidV5(name: string, namespace: string): string {
  const bytes = createHash("sha1")
    .update(Buffer.from(namespace.replace(/-/g, ""), "hex"))
    .update(name, "utf8")
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

describe("uuidV5", () => {
  it("matches the RFC 9562 example for the DNS namespace", () => {
    expect(
      uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
    ).toBe("2ed6657d-e927-568b-95e1-2665a8aea6a2");
  });

  it("gives the same id for the same name and different ids for different names", () => {
    expect(uuidV5("rule|step|learner")).toBe(uuidV5("rule|step|learner"));
    expect(uuidV5("rule|step|learner")).not.toBe(uuidV5("rule|step|other"));
    expect(isUuid(uuidV5("x"))).toBe(true);
  });

  it("keeps the ids already stored: beklijf's namespace, and namespaces used one after another", () => {
    // Computed independently (Python's uuid.uuid5); ids in existing databases depend on it.
    expect(uuidV5("rule|step|learner")).toBe(
      "34996fd2-67bc-5212-8a88-46b79e84d0e2",
    );
    const dns = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    expect(uuidV5("www.example.com", dns)).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
    expect(uuidV5("rule|step|learner")).toBe(
      "34996fd2-67bc-5212-8a88-46b79e84d0e2",
    );
  });

  it("gives the ids of RFC 9562 for names of any length and non-ASCII names", () => {
    // Computed independently (Python's uuid.uuid5).
    expect(uuidV5("")).toBe("ebd03434-4d4e-55ac-aa9c-354fc36cae24");
    expect(uuidV5("nudge|überprüfung|é".repeat(20))).toBe(
      "b32492ff-eb6f-5a70-b38a-ee22413f8160",
    );
    expect(uuidV5("a")).toBe("e481df58-6455-5248-bad9-f35e96ba3183");
  });

  it("gives what the first implementation gave, for every variant digit", () => {
    const namespace = "6f1c3f0e-6d2b-5b7e-9a57-2f0d6c8b4e11";
    const variants = new Set<string>();
    for (let i = 0; i < 2000; i += 1) {
      const name = `nudge|rule-${i}|step-${i % 7}|${"ä".repeat(i % 5)}`;
      const id = uuidV5(name, namespace);
      expect(id).toBe(referenceUuidV5(name, namespace));
      variants.add(id.charAt(19));
    }
    expect([...variants].sort()).toEqual(["8", "9", "a", "b"]);
  });

  it("refuses a namespace that is not a UUID", () => {
    expect(() => uuidV5("x", "not-a-uuid")).toThrow(RangeError);
    // Also the second time: a refused namespace is not remembered.
    expect(() => uuidV5("x", "not-a-uuid")).toThrow(RangeError);
  });
});
