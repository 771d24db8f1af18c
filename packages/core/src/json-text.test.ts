import { formatJsonSyntaxError, parseJsonText } from "./json-text";

describe("parseJsonText", () => {
  it("reads JSON, ignoring a byte-order mark", () => {
    expect(
      parseJsonText('\uFEFF{ "rules": [1, 2.5, true, null, "x\\n"] }'),
    ).toEqual({ ok: true, value: { rules: [1, 2.5, true, null, "x\n"] } });
  });

  it.each<[string, string, number, number, string]>([
    [
      "a missing comma between keys",
      '{\n  "key": "a"\n  "name": "b"\n}',
      3,
      3,
      '"\\"" after a value: write "," before the next key, or "}" to close the object',
    ],
    [
      "a comma before }",
      '{\n  "key": "a",\n}',
      3,
      1,
      'a comma before "}": remove it',
    ],
    [
      "a comma before ]",
      '{ "verbs": ["x",\n  ] }',
      2,
      3,
      'a comma before "]": remove it',
    ],
    [
      "a key without quotes",
      "{\n  key: 1 }",
      2,
      3,
      '"k" where a key belongs: write the key in double quotes, e.g. "key"',
    ],
    [
      "single quotes",
      "{ \"a\": 'x' }",
      1,
      8,
      "texts take double quotes: write \"…\", not '…'",
    ],
    [
      "a text that is not closed",
      '{ "a": "x }',
      1,
      8,
      'the text is not closed: add a " at its end',
    ],
    [
      "a line break inside a text",
      '{ "a": "x\ny" }',
      1,
      10,
      'a line break or tab inside a text: write \\n or \\t, or close the text with " first',
    ],
    [
      "a missing colon",
      '{ "a" 1 }',
      1,
      7,
      '"1" after a key: write ":" and then the value',
    ],
    [
      "a word that is no value",
      '{ "a": yes }',
      1,
      8,
      'unexpected "y": write a value ("text" in double quotes, a number, true, false, null, { … } or [ … ])',
    ],
    [
      "a file that stops early",
      '{ "a": [1,\n2',
      2,
      2,
      'the end of the file after a value: write "," before the next value, or "]" to close the list',
    ],
    [
      "an empty file",
      "",
      1,
      1,
      'unexpected the end of the file: write a value ("text" in double quotes, a number, true, false, null, { … } or [ … ])',
    ],
    [
      "two values",
      "{}\n{}",
      2,
      1,
      '"{" after the end of the JSON: remove it, or put both values in a list [ … ]',
    ],
    [
      "a leading zero",
      '{ "a": 01 }',
      1,
      9,
      '"1" after a value: write "," before the next key, or "}" to close the object',
    ],
    [
      "a bad escape",
      '{ "a": "C:\\data" }',
      1,
      11,
      'not a JSON escape: write \\\\ for a backslash, \\" for a quote, \\n for a new line',
    ],
  ])(
    "refuses %s, giving the line, the column and what to write",
    (_label, text, line, column, message) => {
      const result = parseJsonText(text);
      expect(
        !result.ok && [
          result.error.line,
          result.error.column,
          result.error.message,
        ],
      ).toEqual([line, column, message]);
    },
  );

  it("says it is not valid JSON, without throwing, when it nests deeper than the scan can follow", () => {
    const result = parseJsonText("[".repeat(200_000));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toBe("not valid JSON");
  });

  it("counts lines of a file written on Windows", () => {
    const result = parseJsonText('{\r\n  "a": 1\r\n  "b": 2\r\n}');
    expect(
      !result.ok && [
        result.error.line,
        result.error.column,
        result.error.excerpt,
      ],
    ).toEqual([3, 3, '  "b": 2']);
  });
});

describe("formatJsonSyntaxError", () => {
  it("shows the line with a caret under the mistake", () => {
    const result = parseJsonText('{\n  "key": "a",\n  "steps": [1 2]\n}');
    expect(!result.ok && formatJsonSyntaxError(result.error)).toBe(
      [
        'line 3, column 15: "2" after a value: write "," before the next value, or "]" to close the list',
        '  3 |   "steps": [1 2]',
        "                    ^",
      ].join("\n"),
    );
  });

  it("shortens a long line around the mistake", () => {
    const text = `{ "why": "${"x".repeat(100)}" "b": 1 }`;
    const result = parseJsonText(text);
    if (result.ok) throw new Error("parsed");
    expect(result.error.column).toBe(text.indexOf('"b"') + 1);
    expect(result.error.excerpt).toMatch(/^…x+" "b": 1 }$/);
    expect(result.error.excerpt.length).toBeLessThan(62);
    expect(result.error.excerpt.charAt(result.error.caret)).toBe('"');
  });
});
