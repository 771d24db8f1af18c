import * as qp from "nodemailer/lib/qp";

import { encodeQuotedPrintable } from "./encode-quoted-printable";

/** Characters a text of an email may hold, the awkward ones over-represented. */
const PIECES = [
  "a",
  "Z",
  "0",
  " ",
  "\t",
  "\n",
  "\r\n",
  "\r",
  "=",
  ".",
  "<",
  ">",
  "~",
  "\x7f",
  "\x00",
  "\x1b",
  "é",
  "ë",
  "·",
  "—",
  "€",
  "😀",
  "\ud800",
  "\udc00",
  "  \n",
  "=\n",
  '<p style="x">',
];

/** A text of `length` pieces drawn with a seeded generator, so a failure can be replayed. */
function aText(seed: number, length: number): string {
  let state = seed;
  let text = "";
  for (let i = 0; i < length; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    text += PIECES[state % PIECES.length] ?? "";
  }
  return text;
}

describe("encodeQuotedPrintable", () => {
  it.each([
    ["an empty text", ""],
    ["plain ASCII", "Hallo Anna, schrijf je als-dan-plan."],
    [
      "an equals sign and HTML attributes",
      '<a href="x?a=1&amp;b=2" style="color: red">',
    ],
    ["a space or tab before a line break or at the end", "a \nb\t\r\nc  \rd "],
    ["non-ASCII and astral characters", "één zin — 😀 · €"],
    ["control characters", "a\x00b\x1bc\x7fd"],
    ["lone surrogates", "a\ud800b\udc00"],
  ])("encodes %s as nodemailer does", (_, text) => {
    expect(encodeQuotedPrintable(text)).toBe(qp.encode(text));
  });

  it("encodes 500 random texts as nodemailer does", () => {
    for (let seed = 1; seed <= 500; seed++) {
      const text = aText(seed, 1 + (seed % 200));
      expect([seed, encodeQuotedPrintable(text)]).toEqual([
        seed,
        qp.encode(text),
      ]);
    }
  });
});
