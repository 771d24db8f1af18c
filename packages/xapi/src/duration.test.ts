import { comparableDuration, isDuration } from "./duration";

describe("isDuration", () => {
  it.each([
    "PT4H35M59.14S",
    "PT16559.14S",
    "P3Y1M29DT4H35M59.14S",
    "P3Y",
    "P4W",
    "P0.5W",
    "P1DT0.5S",
    "PT1,5S",
    "P1M",
    "PT1M",
    "PT0S",
  ])("accepts %s", (value) => {
    expect(isDuration(value)).toBe(true);
  });

  it.each([
    "",
    "P",
    "PT",
    "P1DT",
    "PA1H0M0S",
    "P4W1D",
    "PT0.5H30M",
    "P16559.14S",
    "-PT1S",
    "P0003-01-29T04:35:59",
    "pt1h",
    "PT1H ",
    "1H",
  ])("refuses %j", (value) => {
    expect(isDuration(value)).toBe(false);
  });
});

describe("comparableDuration", () => {
  it.each([
    ["PT1.2345S", "PT1.23S"],
    ["PT1,5S", "PT1.5S"],
    ["PT1H", "PT1H"],
  ])("compares %s as %s", (value, comparable) => {
    expect(comparableDuration(value)).toBe(comparable);
  });
});
