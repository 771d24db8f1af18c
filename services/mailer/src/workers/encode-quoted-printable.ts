const HEX = "0123456789ABCDEF";

/**
 * What quoted-printable must escape: every byte outside its literal ranges ("=", controls other
 * than tab and line breaks, anything beyond ASCII), and a space or tab that ends a line or the
 * text (RFC 2045 6.7).
 */
const ESCAPED = /[^\t\n\r\x20-\x3c\x3e-\x7e]+|[ \t](?=[\r\n]|$)/g;

/** "=XX" for each byte value. */
const ESCAPES = Array.from(
  { length: 256 },
  (_, byte) => `=${HEX[byte >> 4] ?? ""}${HEX[byte & 15] ?? ""}`,
);

function escapeBytes(run: string): string {
  // Mostly a lone "=" or space of HTML: no need to encode it as UTF-8 first.
  if (run.length === 1) {
    const code = run.charCodeAt(0);
    if (code < 0x80) return ESCAPES[code] ?? "";
  }
  let escaped = "";
  for (const byte of Buffer.from(run, "utf-8")) escaped += ESCAPES[byte] ?? "";
  return escaped;
}

/**
 * Quoted-printable encoding of a text's UTF-8 bytes, without soft line breaks: the same string
 * as nodemailer's `qp.encode` (its test compares the two), which looks at every byte in
 * JavaScript; here a regular expression finds the few runs to escape and the rest is kept as it
 * is. Wrap the result with nodemailer's `qp.wrap`.
 */
export function encodeQuotedPrintable(text: string): string {
  return text.replace(ESCAPED, escapeBytes);
}
