import MailComposer from "nodemailer/lib/mail-composer";
import MimeNode from "nodemailer/lib/mime-node";

import {
  buildMimeMessage,
  encodedValue,
  type MimeMessageInput,
} from "./build-mime-message";

/** What nodemailer's own (streaming) composer builds from the same fields, and its envelope. */
async function composedByNodemailer(
  input: MimeMessageInput,
): Promise<{ message: string; envelope: unknown }> {
  const node = new MailComposer({
    ...input,
    headers: { ...input.headers },
    textEncoding: "quoted-printable",
  }).compile();
  const { from, to } = node.getEnvelope();
  return { message: (await node.build()).toString(), envelope: { from, to } };
}

/** The message with its multipart boundary (random per message) replaced by a fixed one. */
function withFixedBoundary(message: string): string {
  const boundary = /boundary="([^"]+)"/.exec(message)?.[1] ?? "";
  expect(boundary).not.toBe("");
  return message.split(boundary).join("BOUNDARY");
}

const anEmail = (
  overrides: Partial<MimeMessageInput> = {},
): MimeMessageInput => ({
  from: "Academie <academie@example.test>",
  to: "anna@example.test",
  subject: "Anna, wanneer ga je Feedback geven toepassen?",
  text: "Hallo Anna,\n\nSchrijf je als-dan-plan.\n[https://learn.example.test/a/abc]\n",
  html: '<html lang="nl"><body><p>Hallo <strong>Anna</strong></p>\n<a href="https://learn.example.test/a/abc?x=1&amp;y=2">Schrijf</a></body></html>',
  messageId: "<delivery-1@learn.example.test>",
  date: new Date("2030-04-01T13:00:00Z"),
  headers: {
    "List-Unsubscribe": "<https://learn.example.test/u/abc.def>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Auto-Submitted": "auto-generated",
  },
  ...overrides,
});

describe("buildMimeMessage", () => {
  it.each<[string, MimeMessageInput]>([
    ["a plain ASCII email", anEmail()],
    [
      "non-ASCII text, subject and sender name",
      anEmail({
        from: '"Leerhuis Zuid-Holland, één" <leerhuis@example.test>',
        subject: "Anna, één zin — wanneer pas je Feedback geven toe?",
        text: "Schrijf je als-dan-plan — één zin.\n",
        html: "<p>Schrijf je als-dan-plan — één zin.</p>",
      }),
    ],
    [
      "long lines and lines that start with a dot",
      anEmail({
        text: `.hidden\n${"x".repeat(300)}\n..\n`,
        html: `<p>${"lang ".repeat(80)}</p>\n.<br>`,
      }),
    ],
    ...[
      "Anna.de-Vries+nudge@Mail.Example.TEST",
      "Anna de Vries <anna@example.test>",
      '"anna..x"@example.test',
      "anna@xn--jgeva-dua.ee",
      "anna@jõgeva.ee",
      "anna@-example.test",
      "anna@example.test, bob@example.test",
    ].map((to): [string, MimeMessageInput] => [
      `the recipient ${to}`,
      anEmail({ to }),
    ]),
    [
      "a subject that tries to add a header",
      anEmail({ subject: "Hallo\r\nBcc: someone@example.test" }),
    ],
  ])("builds what nodemailer's composer builds for %s", async (_, input) => {
    const built = buildMimeMessage(input);
    const composed = await composedByNodemailer(input);
    expect(withFixedBoundary(built.raw.toString())).toBe(
      withFixedBoundary(composed.message),
    );
    expect(built.envelope).toEqual(composed.envelope);
  });

  it("keeps a line break in a header value from starting a header of its own", () => {
    const built = buildMimeMessage(
      anEmail({ subject: "Hallo\r\nBcc: someone@example.test" }),
    ).raw.toString();
    expect(built).not.toMatch(/^Bcc:/m);
  });

  it("gives every message a boundary of its own", () => {
    const boundaries = [1, 2, 3].map(
      () =>
        /boundary="([^"]+)"/.exec(
          buildMimeMessage(anEmail()).raw.toString(),
        )?.[1],
    );
    expect(new Set(boundaries).size).toBe(3);
  });

  it("sends from the From address to the To address", () => {
    expect(
      buildMimeMessage(anEmail({ from: '"Leerhuis" <Leerhuis@Example.test>' }))
        .envelope,
    ).toEqual({ from: "Leerhuis@example.test", to: ["anna@example.test"] });
  });

  it("refuses a message without a recipient address", () => {
    expect(() => buildMimeMessage(anEmail({ to: "" }))).toThrow(
      /no sender or recipient address/,
    );
  });

  it("encodes every header value as nodemailer does, the values it keeps as they are included", () => {
    const keys = [
      "Subject",
      "Date",
      "List-Unsubscribe",
      "List-Unsubscribe-Post",
      "Auto-Submitted",
      "Message-ID",
      "X-Other",
      "subject",
      "message-id",
    ];
    const values = [
      "Anna, wanneer ga je Feedback geven toepassen?",
      "<https://learn.example.test/u/abc.def>",
      "<delivery-1@learn.example.test>",
      "delivery-1@learn.example.test",
      "<a b@example.test>",
      'Zeg "ja"',
      "=?utf-8?Q?x?= en meer",
      "één zin",
      "tab\there",
      "trailing space ",
      "Hallo\r\nBcc: someone@example.test",
      "bell\u0007",
      "",
      "x".repeat(200),
    ];
    const nodemailer = new MimeNode(false);
    for (const key of keys)
      for (const value of values)
        expect([key, value, encodedValue(key, value)]).toEqual([
          key,
          value,
          nodemailer.encodeHeaderValue(key, value),
        ]);
  });
});
