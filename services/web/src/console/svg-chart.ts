// Server-rendered SVG charts for the dashboard: no script, no CDN, readable without colour
// (each bar carries its figure as text) and described for screen readers (role="img" + title).

export interface BarGroup {
  readonly label: string;
  /** One bar per series, rate in [0, 1] or undefined for "no data". */
  readonly bars: readonly { rate: number | undefined; detail: string }[];
}

export interface BarChartOptions {
  readonly title: string;
  readonly series: readonly { name: string; colour: string }[];
}

export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const WIDTH = 640;
const LABEL_WIDTH = 200;
const BAR_HEIGHT = 18;
const GAP = 10;

/** Horizontal grouped bars of rates (0-100%), one group per row; returns an <svg> string. */
export function barChartSvg(
  groups: readonly BarGroup[],
  options: BarChartOptions,
): string {
  const perGroup = options.series.length * BAR_HEIGHT + GAP;
  const legendHeight = 24;
  const height = legendHeight + Math.max(1, groups.length) * perGroup + 10;
  const plotWidth = WIDTH - LABEL_WIDTH - 60;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="100%" style="max-width:48rem" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${escapeXml(options.title)}</title>`,
  ];
  options.series.forEach((s, i) => {
    const x = LABEL_WIDTH + i * 180;
    parts.push(
      `<rect x="${x}" y="4" width="12" height="12" fill="${escapeXml(s.colour)}"/>`,
      `<text x="${x + 18}" y="15" font-size="12" fill="#1d1d1b">${escapeXml(s.name)}</text>`,
    );
  });
  groups.forEach((group, g) => {
    const top = legendHeight + g * perGroup;
    const label =
      group.label.length > 30 ? `${group.label.slice(0, 29)}…` : group.label;
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${top + perGroup / 2}" font-size="12" text-anchor="end" fill="#1d1d1b">${escapeXml(label)}</text>`,
    );
    group.bars.forEach((bar, b) => {
      const y = top + b * BAR_HEIGHT;
      const colour = options.series[b]?.colour ?? "#555";
      const width =
        bar.rate === undefined ? 0 : Math.round(bar.rate * plotWidth);
      parts.push(
        `<rect x="${LABEL_WIDTH}" y="${y + 2}" width="${width}" height="${BAR_HEIGHT - 4}" fill="${escapeXml(colour)}"/>`,
        `<text x="${LABEL_WIDTH + width + 6}" y="${y + BAR_HEIGHT - 5}" font-size="11" fill="#1d1d1b">${escapeXml(bar.detail)}</text>`,
      );
    });
  });
  parts.push("</svg>");
  return parts.join("");
}
