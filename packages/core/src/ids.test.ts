import { isUuid, uuidV5 } from "./ids";

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

  it("refuses a namespace that is not a UUID", () => {
    expect(() => uuidV5("x", "not-a-uuid")).toThrow(RangeError);
    // Also the second time: a refused namespace is not remembered.
    expect(() => uuidV5("x", "not-a-uuid")).toThrow(RangeError);
  });
});
