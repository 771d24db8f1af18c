import type { IncomingMessage } from "node:http";

import {
  isPlainJsonRequest,
  parseByteLimit,
  parseJsonBody,
} from "./read-json-body";

function aRequest(headers: Record<string, string>): IncomingMessage {
  // Only the headers are read.
  return { headers } as unknown as IncomingMessage;
}

describe("parseByteLimit", () => {
  it.each([
    ["2mb", 2 * 1024 * 1024],
    ["1kb", 1024],
    ["512KB", 512 * 1024],
    ["1.5mb", 1.5 * 1024 * 1024],
    ["1024", 1024],
    ["100b", 100],
  ])("reads %s as %d bytes", (limit, bytes) => {
    expect(parseByteLimit(limit)).toBe(bytes);
  });

  it.each(["", "two mb", "2 parsecs", "-1kb"])("refuses %j", (limit) => {
    expect(() => parseByteLimit(limit)).toThrow(/is not a size such as/);
  });
});

describe("isPlainJsonRequest", () => {
  const json = { "content-type": "application/json", "content-length": "2" };

  it.each([
    ["application/json", json],
    [
      "a charset of UTF-8",
      { ...json, "content-type": "application/json; charset=utf-8" },
    ],
    ["a +json type", { ...json, "content-type": "application/xapi+json" }],
    [
      "a chunked body",
      { "content-type": "application/json", "transfer-encoding": "chunked" },
    ],
    ["identity encoding", { ...json, "content-encoding": "identity" }],
  ])("takes %s", (_name, headers) => {
    expect(isPlainJsonRequest(aRequest(headers))).toBe(true);
  });

  it.each([
    ["no body announced", { "content-type": "application/json" }],
    [
      "a form",
      { ...json, "content-type": "application/x-www-form-urlencoded" },
    ],
    ["multipart", { ...json, "content-type": "multipart/mixed; boundary=x" }],
    ["no Content-Type", { "content-length": "2" }],
    [
      "another charset",
      { ...json, "content-type": "application/json; charset=utf-16le" },
    ],
    [
      "another parameter",
      { ...json, "content-type": "application/json; profile=x" },
    ],
    ["a gzip body", { ...json, "content-encoding": "gzip" }],
  ])("leaves %s to the generic parsers", (_name, headers) => {
    expect(isPlainJsonRequest(aRequest(headers))).toBe(false);
  });
});

describe("parseJsonBody", () => {
  it("reads an object and an array", () => {
    expect(parseJsonBody(Buffer.from(' {"a": [1, "é"]}'))).toEqual({
      a: [1, "é"],
    });
    expect(parseJsonBody(Buffer.from("[]"))).toEqual([]);
  });

  it("reads an empty body as {}, as express.json does", () => {
    expect(parseJsonBody(Buffer.alloc(0))).toEqual({});
  });

  it("skips a byte order mark", () => {
    expect(parseJsonBody(Buffer.from('\uFEFF{"a":1}'))).toEqual({ a: 1 });
  });

  it.each(['"text"', "42", "null", " ", '{"a":', "{a:1}"])(
    "refuses %j as a 400 parse failure that keeps the text",
    (text) => {
      let thrown: unknown;
      try {
        parseJsonBody(Buffer.from(text));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({
        status: 400,
        type: "entity.parse.failed",
        body: text,
      });
    },
  );
});
