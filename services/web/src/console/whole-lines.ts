import { Transform } from "node:stream";

/**
 * Passes text on up to its last line break and holds the rest back until the end. When the upload
 * is cut at the size limit, `dropTail()` discards the unfinished last line instead of letting the
 * CSV parser read it as a row with shortened values.
 */
export function wholeLinesOnly(): Transform & { dropTail(): void } {
  let tail = Buffer.alloc(0);
  let drop = false;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const text = Buffer.concat([tail, chunk]);
      const cut = text.lastIndexOf(0x0a) + 1;
      tail = text.subarray(cut);
      done(null, cut > 0 ? text.subarray(0, cut) : undefined);
    },
    flush(done) {
      done(null, drop || tail.length === 0 ? undefined : tail);
    },
  });
  return Object.assign(stream, {
    dropTail: () => {
      drop = true;
    },
  });
}
