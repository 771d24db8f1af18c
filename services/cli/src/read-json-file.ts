import { readFile } from "node:fs/promises";

import { errorMessage, ValidationError } from "@beklijf/core";

/** Reads a JSON file given on the command line; a clear FILE_INVALID error when it is not JSON. */
export async function readJsonFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new ValidationError(
      `Cannot read ${file} as JSON: ${errorMessage(error)}`,
      [],
      "FILE_INVALID",
    );
  }
}
