import { readFile } from "node:fs/promises";

import {
  errorMessage,
  formatJsonSyntaxError,
  parseJsonText,
  ValidationError,
} from "@beklijf/core";

/**
 * Reads a JSON file given on the command line (a statement, a rule file); a clear FILE_INVALID
 * error when it cannot be read or is not JSON, with the line, the column and what to write.
 */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ValidationError(
      `Cannot read ${file}: ${errorMessage(error)}`,
      [],
      "FILE_INVALID",
    );
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok)
    throw new ValidationError(
      `${file} is not valid JSON: ${formatJsonSyntaxError(parsed.error)}`,
      [],
      "FILE_INVALID",
    );
  return parsed.value;
}
