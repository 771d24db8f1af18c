import { isLanguageTag } from "./language-tag";

describe("isLanguageTag", () => {
  it.each([
    ["a language", "de"],
    ["a three-letter language", "ine"],
    ["language and region", "nl-NL"],
    ["language and UN M.49 region", "es-419"],
    ["language and script", "zh-Hant"],
    ["language, extlang, script and region", "zh-cmn-Hans-CN"],
    ["language, script and region", "sr-Latn-RS"],
    ["two variants", "sl-rozaj-biske"],
    ["a variant starting with a digit", "de-CH-1901"],
    ["script, region and variant", "hy-Latn-IT-arevela"],
    ["an extension", "en-US-u-islamcal"],
    ["private use after a tag", "az-Arab-x-AZE-derbend"],
    ["private use alone", "x-whatever"],
    ["a grandfathered tag", "i-enochian"],
    ["the undetermined language", "und"],
    ["any case", "NL-nl"],
  ])("accepts %s (%s)", (_label, tag) => {
    expect(isLanguageTag(tag)).toBe(true);
  });

  it.each([
    ["two regions", "de-419-DE"],
    ["a one-letter primary subtag", "a-DE"],
    ["a repeated extension singleton", "ar-a-aaa-b-bbb-a-ccc"],
    ["a repeated variant", "de-1901-1901"],
    ["a nine-letter language", "something"],
    ["digits in the language", "a12345"],
    ["an empty tag", ""],
    ["an underscore", "en_US"],
    ["a trailing hyphen", "en-"],
    [
      "a 50-letter subtag",
      "supercalifragilisticexpialidociouswhatabouthhhhhhh",
    ],
  ])("refuses %s (%s)", (_label, tag) => {
    expect(isLanguageTag(tag)).toBe(false);
  });
});
