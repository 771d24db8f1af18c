import { Readable } from "node:stream";
import { text } from "node:stream/consumers";

import { wholeLinesOnly } from "./whole-lines";

function through(chunks: string[], cut: boolean): Promise<string> {
  const lines = wholeLinesOnly();
  const source = Readable.from(chunks.map((c) => Buffer.from(c)));
  source.on("end", () => {
    if (cut) lines.dropTail();
  });
  return text(source.pipe(lines));
}

describe("wholeLinesOnly (CSV uploads cut at the size limit)", () => {
  it("passes a whole upload on unchanged, also its last line without a line break", async () => {
    expect(
      await through(["email,name\nan", "na@x.test,Anna\nb@x.test,B"], false),
    ).toBe("email,name\nanna@x.test,Anna\nb@x.test,B");
  });

  it("drops the unfinished last line of an upload that was cut", async () => {
    expect(
      await through(["email,name\nanna@x.test,Anna\nbob@x.test,Bo"], true),
    ).toBe("email,name\nanna@x.test,Anna\n");
  });
});
