import { z } from "zod";

import { iri, irl } from "./iri";
import { LanguageMap } from "./language-map";

// ---------------------------------------------------------------------------------------------
// Attachments (Data 2.4.11)

/** usageType of a JWS signature attachment (Data 2.6). */
export const SIGNATURE_USAGE_TYPE =
  "http://adlnet.gov/expapi/attachments/signature";

const MEDIA_TYPE =
  /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=("(?:[^"\\]|\\.)*"|[!#$%&'*+.^_`|~0-9A-Za-z-]+))*\s*$/;
/** Hex SHA-224, SHA-256, SHA-384 or SHA-512 (and the SHA-512/t variants of the same lengths). */
const SHA2 = /^(?:[0-9a-f]{56}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$/i;

export const Attachment = z
  .strictObject({
    usageType: iri("http://adlnet.gov/expapi/attachments/signature"),
    display: LanguageMap,
    description: LanguageMap.optional(),
    contentType: z
      .string()
      .regex(
        MEDIA_TYPE,
        "must be an Internet media type such as application/pdf or text/plain; charset=utf-8",
      ),
    length: z
      .number()
      .int()
      .min(0, "must be the size of the attachment in octets (0 or more)"),
    sha2: z
      .string()
      .regex(
        SHA2,
        "must be the hex SHA-2 hash of the attachment data (64 hex digits for SHA-256)",
      ),
    fileUrl: irl("https://lms.example.com/files/certificate.pdf").optional(),
  })
  .superRefine((attachment, ctx) => {
    if (
      attachment.usageType === SIGNATURE_USAGE_TYPE &&
      attachment.contentType.split(";")[0]?.trim().toLowerCase() !==
        "application/octet-stream"
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["contentType"],
        message:
          "a signature attachment must have contentType application/octet-stream (Data 2.6)",
      });
    }
  });
export type Attachment = z.infer<typeof Attachment>;
