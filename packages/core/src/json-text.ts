import { err, ok, type Result } from "./result";

// JSON.parse says where it failed as a character offset, and not at all for some mistakes
// ("Unexpected token"), in words that change between Node versions. People edit rule files and
// statements by hand, so a failed parse is scanned again here to give the line, the column and
// what to write instead.

/** Where and why a JSON text is not JSON. */
export interface JsonSyntaxError {
  readonly kind: "json-syntax";
  /** 1-based line of the mistake. */
  readonly line: number;
  /** 1-based column of the mistake (in UTF-16 code units, as editors count most text). */
  readonly column: number;
  /** What is wrong, and what to write instead. */
  readonly message: string;
  /** The line as written, shortened around the mistake when it is long. */
  readonly excerpt: string;
  /** Where the caret goes under `excerpt` (0-based). */
  readonly caret: number;
}

/** `JSON.parse`, with a leading byte-order mark ignored and a syntax error as a value. */
export function parseJsonText(text: string): Result<unknown, JsonSyntaxError> {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  try {
    return ok(JSON.parse(body));
  } catch {
    const found = findJsonMistake(body) ?? {
      offset: body.length,
      message: "not valid JSON",
    };
    return err(toSyntaxError(body, found.offset, found.message));
  }
}

/**
 * `line 3, column 12: expected "," or "}" after a value …` and the line with a caret under the
 * mistake, for a CLI or a log.
 */
export function formatJsonSyntaxError(error: JsonSyntaxError): string {
  const gutter = `${error.line} | `;
  return [
    `line ${error.line}, column ${error.column}: ${error.message}`,
    `  ${gutter}${error.excerpt}`,
    `  ${" ".repeat(gutter.length + error.caret)}^`,
  ].join("\n");
}

const EXCERPT_WIDTH = 60;

function toSyntaxError(
  text: string,
  offset: number,
  message: string,
): JsonSyntaxError {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const lineEndAt = text.indexOf("\n", offset);
  const lineText = text
    .slice(lineStart, lineEndAt === -1 ? text.length : lineEndAt)
    .replace(/\r$/, "");
  const column = offset - lineStart + 1;
  const line = text.slice(0, lineStart).split("\n").length;
  const from = Math.max(0, column - 1 - EXCERPT_WIDTH / 2);
  const to = Math.min(lineText.length, from + EXCERPT_WIDTH);
  const excerpt = `${from > 0 ? "…" : ""}${lineText.slice(from, to)}${to < lineText.length ? "…" : ""}`;
  return {
    kind: "json-syntax",
    line,
    column,
    message,
    excerpt,
    caret: column - 1 - from + (from > 0 ? 1 : 0),
  };
}

interface Mistake {
  readonly offset: number;
  readonly message: string;
}

class Stop extends Error {
  constructor(readonly mistake: Mistake) {
    super(mistake.message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const VALUE =
  'a value ("text" in double quotes, a number, true, false, null, { … } or [ … ])';

/** The first mistake in a text JSON.parse refused; a small recursive-descent scan. */
function findJsonMistake(text: string): Mistake | undefined {
  let at = 0;
  const stop = (message: string, offset = at): never => {
    throw new Stop({ offset, message });
  };
  const shown = (): string =>
    at >= text.length ? "the end of the file" : JSON.stringify(text.charAt(at));
  const skipSpace = (): void => {
    while (/[ \t\n\r]/.test(text.charAt(at))) at += 1;
  };
  const string = (): void => {
    const opened = at;
    at += 1;
    for (;;) {
      if (at >= text.length)
        stop('the text is not closed: add a " at its end', opened);
      const c = text.charAt(at);
      if (c === '"') {
        at += 1;
        return;
      }
      if (c === "\\") {
        const next = text.charAt(at + 1);
        if (next === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6)))
          at += 6;
        else if (ESCAPES.has(next)) at += 2;
        else
          stop(
            'not a JSON escape: write \\\\ for a backslash, \\" for a quote, \\n for a new line',
          );
      } else if (c < " ")
        stop(
          'a line break or tab inside a text: write \\n or \\t, or close the text with " first',
        );
      else at += 1;
    }
  };
  const value = (): void => {
    skipSpace();
    const c = text.charAt(at);
    if (c === "{") object();
    else if (c === "[") array();
    else if (c === '"') string();
    else if (c === "-" || (c >= "0" && c <= "9")) {
      NUMBER.lastIndex = at;
      if (!NUMBER.test(text))
        stop("not a number: write e.g. 2, -1 or 0.8 (no leading zeros)");
      at = NUMBER.lastIndex;
    } else {
      for (const word of ["true", "false", "null"])
        if (text.startsWith(word, at)) {
          at += word.length;
          return;
        }
      if (c === "'") stop("texts take double quotes: write \"…\", not '…'");
      stop(`unexpected ${shown()}: write ${VALUE}`);
    }
  };
  const object = (): void => {
    at += 1;
    skipSpace();
    if (text.charAt(at) === "}") {
      at += 1;
      return;
    }
    for (;;) {
      skipSpace();
      if (text.charAt(at) !== '"')
        stop(
          text.charAt(at) === "}"
            ? 'a comma before "}": remove it'
            : `${shown()} where a key belongs: write the key in double quotes, e.g. "key"`,
        );
      string();
      skipSpace();
      if (text.charAt(at) !== ":")
        stop(`${shown()} after a key: write ":" and then the value`);
      at += 1;
      value();
      skipSpace();
      const next = text.charAt(at);
      if (next === "}") {
        at += 1;
        return;
      }
      if (next !== ",")
        stop(
          `${shown()} after a value: write "," before the next key, or "}" to close the object`,
        );
      at += 1;
    }
  };
  const array = (): void => {
    at += 1;
    skipSpace();
    if (text.charAt(at) === "]") {
      at += 1;
      return;
    }
    for (;;) {
      value();
      skipSpace();
      const next = text.charAt(at);
      if (next === "]") {
        at += 1;
        return;
      }
      if (next !== ",")
        stop(
          `${shown()} after a value: write "," before the next value, or "]" to close the list`,
        );
      at += 1;
      skipSpace();
      if (text.charAt(at) === "]") stop('a comma before "]": remove it', at);
    }
  };
  try {
    value();
    skipSpace();
    if (at < text.length)
      stop(
        `${shown()} after the end of the JSON: remove it, or put both values in a list [ … ]`,
      );
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return error.mistake;
    // Nesting deeper than the stack can follow (thousands of "[" or "{"): no position, then.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}
