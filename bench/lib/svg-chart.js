'use strict';
// Draws the report's bar chart as a standalone SVG: one group of horizontal bars per scenario, each bar a
// pairing's ratio against grpc-js on a base-2 logarithmic axis, with grpc-js at 1.

// Width of one character of the 12-pixel sans-serif labels, an estimate that errs wide.
const CHARACTER_WIDTH = 6.8;
const RIGHT_MARGIN = 70;
const PLOT_WIDTH = 520;
const TOP_MARGIN = 56;
const BAR_HEIGHT = 12;
const BAR_GAP = 2;
const GROUP_GAP = 12;
const COLORS = ['#1f6feb', '#8250df', '#2da44e', '#bf8700'];

function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function axisRange(rows) {
  let minimum = 0.5;
  let maximum = 2;
  for (const row of rows) {
    for (const ratio of row.ratios) {
      if (ratio !== null && ratio > 0) {
        minimum = Math.min(minimum, ratio);
        maximum = Math.max(maximum, ratio);
      }
    }
  }
  return { low: Math.floor(Math.log2(minimum)), high: Math.ceil(Math.log2(maximum)) };
}

function formatTick(exponent) {
  return exponent >= 0 ? `${2 ** exponent}×` : `1/${2 ** -exponent}×`;
}

/**
 * Returns the SVG text. `rows` is `[{ label, ratios }]` with one ratio (or null) per entry of `series`, which is
 * `[{ label }]`; `title` and `subtitle` head the chart.
 */
function renderChart({ title, subtitle, series, rows }) {
  const { low, high } = axisRange(rows);
  const longestLabel = Math.max(...rows.map((row) => row.label.length), 10);
  const leftMargin = Math.ceil(longestLabel * CHARACTER_WIDTH) + 24;
  const x = (ratio) => leftMargin + ((Math.log2(ratio) - low) / (high - low)) * PLOT_WIDTH;
  const groupHeight = series.length * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP;
  const plotHeight = rows.length * groupHeight;
  const legendY = TOP_MARGIN + plotHeight + 34;
  const height = legendY + series.length * 18 + 10;
  const width = leftMargin + PLOT_WIDTH + RIGHT_MARGIN;
  const parts = [];

  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" `
    + `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="16" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  parts.push(`<text x="16" y="40" fill="#555">${escapeXml(subtitle)}</text>`);

  for (let exponent = low; exponent <= high; exponent++) {
    const tickX = x(2 ** exponent).toFixed(1);
    const stroke = exponent === 0 ? '#000' : '#ddd';
    parts.push(`<line x1="${tickX}" y1="${TOP_MARGIN - 4}" x2="${tickX}" y2="${TOP_MARGIN + plotHeight}" `
      + `stroke="${stroke}"/>`);
    parts.push(`<text x="${tickX}" y="${TOP_MARGIN + plotHeight + 16}" text-anchor="middle" fill="#555">`
      + `${formatTick(exponent)}</text>`);
  }

  rows.forEach((row, rowIndex) => {
    const groupTop = TOP_MARGIN + rowIndex * groupHeight;
    const labelY = groupTop + (series.length * (BAR_HEIGHT + BAR_GAP)) / 2 + 4;
    parts.push(`<text x="${leftMargin - 8}" y="${labelY.toFixed(1)}" text-anchor="end">${escapeXml(row.label)}</text>`);
    row.ratios.forEach((ratio, seriesIndex) => {
      const barY = groupTop + seriesIndex * (BAR_HEIGHT + BAR_GAP);
      if (ratio === null) {
        parts.push(`<text x="${x(1) + 4}" y="${barY + BAR_HEIGHT - 2}" fill="#999" font-size="10">no result</text>`);
        return;
      }
      const start = Math.min(x(1), x(ratio));
      const barWidth = Math.max(1, Math.abs(x(ratio) - x(1)));
      parts.push(`<rect x="${start.toFixed(1)}" y="${barY}" width="${barWidth.toFixed(1)}" height="${BAR_HEIGHT}" `
        + `fill="${COLORS[seriesIndex % COLORS.length]}"/>`);
      const textX = ratio >= 1 ? x(ratio) + 4 : x(ratio) - 4;
      const anchor = ratio >= 1 ? 'start' : 'end';
      parts.push(`<text x="${textX.toFixed(1)}" y="${barY + BAR_HEIGHT - 2}" text-anchor="${anchor}" `
        + `font-size="10">${ratio.toFixed(2)}×</text>`);
    });
  });

  series.forEach((entry, index) => {
    const y = legendY + index * 18;
    parts.push(`<rect x="${leftMargin}" y="${y - 10}" width="12" height="12" fill="${COLORS[index % COLORS.length]}"/>`);
    parts.push(`<text x="${leftMargin + 18}" y="${y}">${escapeXml(entry.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

module.exports = { renderChart };
