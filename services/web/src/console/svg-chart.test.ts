import { barChartSvg } from "./svg-chart";

describe("barChartSvg", () => {
  const options = {
    title: "Applied <by> day 90",
    series: [
      { name: "with", colour: "#1f5c4a" },
      { name: "without", colour: "#8a6d00" },
    ],
  };

  it("draws bars in proportion to the rate, with their figures as text", () => {
    const svg = barChartSvg(
      [
        {
          label: "Feedback",
          bars: [
            { rate: 0.5, detail: "50% (4/8)" },
            { rate: undefined, detail: "-" },
          ],
        },
      ],
      options,
    );
    expect(svg).toContain('width="190"'); // half of the 380-pixel plot
    expect(svg).toContain("50% (4/8)");
    expect(svg).toContain('width="0"');
  });

  it("escapes labels and the title", () => {
    const svg = barChartSvg(
      [{ label: '<script>"x"</script>', bars: [{ rate: 1, detail: "&" }] }],
      options,
    );
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;");
    expect(svg).toContain("Applied &lt;by&gt; day 90");
    expect(svg).toContain(">&amp;<");
  });
});
