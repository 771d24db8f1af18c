import { randomBytes } from "node:crypto";

import * as mimeFuncs from "nodemailer/lib/mime-funcs";
import MimeNode from "nodemailer/lib/mime-node";
import * as qp from "nodemailer/lib/qp";

import { encodeQuotedPrintable } from "./encode-quoted-printable";

/** One email as the mailer sends it: a plain-text part and an HTML part. */
export interface MimeMessageInput {
  /** The From header, e.g. '"Academy" <academy@example.com>'. */
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** With its angle brackets, e.g. '<delivery-…@learn.example.com>'. */
  readonly messageId: string;
  readonly date: Date;
  /** Further header fields, e.g. List-Unsubscribe. */
  readonly headers: Readonly<Record<string, string>>;
}

/** A message ready for SMTP: its envelope and the whole RFC 5322 message. */
export interface MimeMessage {
  readonly envelope: { readonly from: string; readonly to: string[] };
  readonly raw: Buffer;
}

// A multipart boundary must be unique per message and unlikely in its content: a random part
// drawn once per process and a counter do that without drawing random bytes for every email.
// The form is the one nodemailer's MimeNode gives a root node with that base.
const BOUNDARY_BASE = randomBytes(8).toString("hex");
let boundaryCount = 0;

// One node that only encodes header values (nodemailer's rules: encoded words, address
// punycoding, line breaks taken out of values); it never holds a message.
const encoder = new MimeNode(false);

/** A header field as nodemailer's MimeNode writes it: its value encoded, folded at 76. */
function headerField(key: string, value: string): string {
  return mimeFuncs.foldLines(`${key}: ${encodedValue(key, value)}`, 76);
}

// Printable ASCII without '"': a value nodemailer encodes as text comes back unchanged when it
// has none but these and no "=?" (nothing to put in an encoded word, no control character to
// take out). Every header of a nudge email but From and To is such a value, and nodemailer's
// general path looks at each character several times (a tenth of the message's building).
const PLAIN_TEXT_VALUE = /^[\x20\x21\x23-\x7e]*$/;
// The keys the mailer writes whose values nodemailer encodes as text (in the form its key
// normalization gives, so its general path would take them as text too), and the one it keeps as
// it is when it is a single id in angle brackets. Any other key takes nodemailer's path.
const TEXT_KEYS = new Set([
  "Subject",
  "Date",
  "List-Unsubscribe",
  "List-Unsubscribe-Post",
  "Auto-Submitted",
]);

/** `encoder.encodeHeaderValue(key, value)`, without its work when the value stays as it is. */
export function encodedValue(key: string, value: string): string {
  if (
    PLAIN_TEXT_VALUE.test(value) &&
    !value.includes("=?") &&
    (TEXT_KEYS.has(key) ||
      (key === "Message-ID" &&
        value.startsWith("<") &&
        value.endsWith(">") &&
        !value.includes(" ")))
  )
    return value;
  return encoder.encodeHeaderValue(key, value);
}

/** The envelope addresses of an address header value, as nodemailer derives them. */
function addressesOf(key: "From" | "To", value: string): string[] {
  const node = new MimeNode(false);
  node.setHeader(key, value);
  const envelope = node.getEnvelope();
  if (key === "To") return envelope.to;
  return typeof envelope.from === "string" ? [envelope.from] : [];
}

/**
 * The From field and the envelope sender of a From value. Every email of a tenant has the same
 * sender, so it is parsed and encoded once (address parsing was a tenth of the mailer's CPU).
 */
const senders = new Map<
  string,
  { field: string; address: string | undefined }
>();
function senderOf(from: string): {
  field: string;
  address: string | undefined;
} {
  let sender = senders.get(from);
  if (sender === undefined) {
    sender = {
      field: headerField("From", from),
      address: addressesOf("From", from)[0],
    };
    // Senders come from tenants' settings: few, but never let the map grow without end.
    if (senders.size >= 1_000) senders.clear();
    senders.set(from, sender);
  }
  return sender;
}

// A plain ASCII address (dot-atom local part, LDH domain labels): one that nodemailer writes as
// it is, with only its domain lower-cased. A label starting "xn--" is punycode, which nodemailer
// checks, so it takes the general path with anything else.
const PLAIN_ADDRESS =
  /^[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)$/;

/** The To field and the envelope recipients of a To value. */
function recipientOf(to: string): { field: string; addresses: string[] } {
  const plain = to.length <= 254 ? PLAIN_ADDRESS.exec(to) : null;
  const domain = plain?.[1];
  if (domain !== undefined && !/(?:^|\.)xn--/i.test(domain)) {
    const address = `${to.slice(0, to.length - domain.length)}${domain.toLowerCase()}`;
    return {
      field: mimeFuncs.foldLines(`To: ${address}`, 76),
      addresses: [address],
    };
  }
  return { field: headerField("To", to), addresses: addressesOf("To", to) };
}

/**
 * One text part, encoded as nodemailer encodes text: as it is (7bit) when it is plain ASCII in
 * lines of at most 76 characters, else quoted-printable (readable for mostly-ASCII text).
 */
function textPart(contentType: string, content: string): string {
  const plain =
    mimeFuncs.isPlainText(content) && !mimeFuncs.hasLongerLines(content, 76);
  return [
    `Content-Type: ${contentType}; charset=utf-8`,
    `Content-Transfer-Encoding: ${plain ? "7bit" : "quoted-printable"}`,
    "",
    plain ? content : qp.wrap(encodeQuotedPrintable(content), 76),
  ].join("\r\n");
}

/**
 * Builds a multipart/alternative message in one synchronous step. The header fields are encoded
 * by nodemailer's own MimeNode rules (address parsing, encoded words, folding, line breaks taken
 * out of values), and the parts by its own rules and quoted-printable encoding, so the message is
 * the one nodemailer's streaming composer builds from the same fields (its test compares the
 * two). What it saves is that composer's per-message streams, timers and socket writes, and a
 * MimeNode per message: the sender is encoded once per From value, and a plain recipient address
 * needs no address parser. The result goes to the transport as `raw`, in one piece.
 */
export function buildMimeMessage(input: MimeMessageInput): MimeMessage {
  boundaryCount += 1;
  const boundary = `--_NmP-${BOUNDARY_BASE}-${boundaryCount.toString(36)}-Part_1`;
  const sender = senderOf(input.from);
  const recipient = recipientOf(input.to);
  if (sender.address === undefined || recipient.addresses.length === 0)
    throw new Error(
      `no sender or recipient address in From "${input.from}" / To "${input.to}"`,
    );
  // In the order nodemailer's composer writes them: the extra fields, then the standard ones,
  // then MIME-Version, and Content-Type last.
  const fields: string[] = [];
  for (const [key, value] of Object.entries(input.headers))
    fields.push(headerField(key, value));
  fields.push(
    sender.field,
    recipient.field,
    headerField("Subject", input.subject),
    headerField("Message-ID", input.messageId),
    headerField("Date", input.date.toUTCString().replace(/GMT/, "+0000")),
    "MIME-Version: 1.0",
    mimeFuncs.foldLines(
      `Content-Type: ${mimeFuncs.buildHeaderValue({ value: "multipart/alternative", params: { boundary } })}`,
      76,
    ),
  );
  const raw = [
    fields.join("\r\n"),
    "",
    `--${boundary}`,
    textPart("text/plain", input.text),
    `--${boundary}`,
    textPart("text/html", input.html),
    `--${boundary}--`,
    "",
  ].join("\r\n");
  return {
    envelope: { from: sender.address, to: recipient.addresses },
    raw: Buffer.from(raw),
  };
}
