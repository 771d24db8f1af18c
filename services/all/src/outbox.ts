import { listOutboxFiles, readOutboxFile } from "@beklijf/embedded";
import type { OutboxMessage, OutboxPort } from "@beklijf/web";
import { simpleParser } from "mailparser";

/** The web service's view of the embedded SMTP sink's .eml files. */
export function createOutboxPort(dir: string): OutboxPort {
  const read = async (
    id: string,
    receivedAt: Date,
  ): Promise<OutboxMessage | undefined> => {
    const raw = readOutboxFile(dir, id);
    if (raw === undefined) return undefined;
    const parsed = await simpleParser(raw);
    const to =
      parsed.to === undefined
        ? ""
        : (Array.isArray(parsed.to) ? parsed.to : [parsed.to])
            .map((a) => a.text)
            .join(", ");
    return {
      id,
      to,
      subject: parsed.subject ?? "",
      receivedAt,
      text: parsed.text ?? "",
      html: typeof parsed.html === "string" ? parsed.html : "",
    };
  };
  return {
    list: async (limit) => {
      const files = listOutboxFiles(dir).slice(0, limit);
      const messages = await Promise.all(
        files.map((f) => read(f.id, f.receivedAt)),
      );
      return messages.filter((m): m is OutboxMessage => m !== undefined);
    },
    get: async (id) => {
      const file = listOutboxFiles(dir).find((f) => f.id === id);
      return file === undefined ? undefined : read(id, file.receivedAt);
    },
  };
}
