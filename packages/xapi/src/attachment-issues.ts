import type { Issue } from "@beklijf/core";

import { type Attachment, SIGNATURE_USAGE_TYPE } from "./attachment";
import { signatureIssues } from "./signature-issues";
import type { Statement } from "./statement";

/**
 * One part of a multipart/mixed statements request after the statements part (xAPI Part Three
 * 1.5.2): the attachment data, named by its X-Experience-API-Hash header.
 */
export interface AttachmentPart {
  /** The X-Experience-API-Hash header: the hex SHA-2 of `content`. */
  readonly sha2: string;
  readonly contentType?: string;
  readonly content: Uint8Array;
}

/** Where the request's attachment data came from: none (application/json) or multipart parts. */
export type AttachmentParts = readonly AttachmentPart[] | undefined;

/** The attachments of a statement and of its SubStatement, with their paths. */
export function attachmentsWithPaths(
  statement: Statement,
): { attachment: Attachment; path: (string | number)[] }[] {
  const own = (statement.attachments ?? []).map((attachment, index) => ({
    attachment,
    path: ["attachments", index],
  }));
  const object = statement.object;
  const nested =
    object.objectType === "SubStatement"
      ? (object.attachments ?? []).map((attachment, index) => ({
          attachment,
          path: ["object", "attachments", index],
        }))
      : [];
  return [...own, ...nested];
}

function decode(content: Uint8Array): string {
  return new TextDecoder().decode(content);
}

/**
 * Checks a statement's attachments against the data that came with it. In an application/json
 * request every attachment needs a fileUrl (Part Three 1.5.1); in a multipart/mixed request an
 * attachment without one needs a part with its sha2, and a signature part must be a well-formed
 * JWS of this statement (Data 2.6).
 */
export function attachmentIssues(
  statement: Statement,
  parts: AttachmentParts,
): Issue[] {
  const issues: Issue[] = [];
  const bySha2 = new Map(
    (parts ?? []).map((part) => [part.sha2.toLowerCase(), part]),
  );
  for (const { attachment, path } of attachmentsWithPaths(statement)) {
    const part = bySha2.get(attachment.sha2.toLowerCase());
    if (attachment.fileUrl === undefined) {
      if (parts === undefined) {
        issues.push({
          path: [...path, "fileUrl"],
          message:
            "an attachment in an application/json request needs a fileUrl: give one, or send the attachment data in a multipart/mixed request as a part whose X-Experience-API-Hash is this attachment's sha2",
        });
        continue;
      }
      if (part === undefined) {
        issues.push({
          path: [...path, "sha2"],
          message: `no part of this multipart/mixed request has X-Experience-API-Hash ${attachment.sha2}: add the attachment data as such a part, or give a fileUrl`,
        });
        continue;
      }
    }
    if (
      attachment.usageType === SIGNATURE_USAGE_TYPE &&
      part !== undefined &&
      path[0] === "attachments"
    ) {
      for (const message of signatureIssues(statement, decode(part.content))) {
        issues.push({ path, message });
      }
    }
  }
  return issues;
}

/** Parts whose hash no attachment in the batch names (Part Three 1.5.2.s2.b2.b3). */
export function unclaimedParts(
  statements: readonly Statement[],
  parts: AttachmentParts,
): Issue[] {
  if (parts === undefined) return [];
  const claimed = new Set(
    statements.flatMap((statement) =>
      attachmentsWithPaths(statement).map(({ attachment }) =>
        attachment.sha2.toLowerCase(),
      ),
    ),
  );
  return parts
    .filter((part) => !claimed.has(part.sha2.toLowerCase()))
    .map((part) => ({
      path: [],
      message: `the part with X-Experience-API-Hash ${part.sha2} belongs to no attachment: every part after the statements must carry the sha2 of an attachment in them`,
    }));
}
