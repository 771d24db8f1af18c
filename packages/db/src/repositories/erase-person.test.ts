import { ValidationError } from "@beklijf/core";

import { parsePersonRef } from "./erase-person";

describe("parsePersonRef", () => {
  it.each([
    [
      "0B9E6C1E-5A43-4F7E-9D0A-3C8F2A1B7D65",
      { kind: "id", id: "0b9e6c1e-5a43-4f7e-9d0a-3c8f2a1b7d65" },
    ],
    [
      "email:Anna.de.Vries@Example.com",
      { kind: "email", email: "anna.de.vries@example.com" },
    ],
    [" external:HR/12 ", { kind: "external", externalId: "HR/12" }],
    // An external id that looks like an email or a UUID is named as such.
    [
      "external:anna@example.com",
      { kind: "external", externalId: "anna@example.com" },
    ],
    [
      "external:0b9e6c1e-5a43-4f7e-9d0a-3c8f2a1b7d65",
      {
        kind: "external",
        externalId: "0b9e6c1e-5a43-4f7e-9d0a-3c8f2a1b7d65",
      },
    ],
  ] as const)("reads %s", (text, ref) => {
    expect(parsePersonRef(text)).toEqual(ref);
  });

  it.each([
    [
      "anna@example.com",
      "PERSON_REF_AMBIGUOUS",
      /write email:anna@example.com or external:anna@example.com/,
    ],
    [
      "HR-12",
      "PERSON_REF_AMBIGUOUS",
      /write external:HR-12 for an external id/,
    ],
    ["email:", "PERSON_REF_INVALID", /names no email address/],
    ["email:anna", "PERSON_REF_INVALID", /names no email address/],
    ["external: ", "PERSON_REF_INVALID", /names no external id/],
    [
      "mbox:mailto:anna@example.com",
      "PERSON_REF_AMBIGUOUS",
      /does not say what it names/,
    ],
    ["", "PERSON_REF_INVALID", /^Name the person/],
  ])("refuses %j with %s", (text, code, message) => {
    let error: unknown;
    try {
      parsePersonRef(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code });
    expect((error as ValidationError).message).toMatch(message);
  });
});
