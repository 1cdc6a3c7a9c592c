/* Spends Tracker web dashboard: the two dashboard charts, drawn as SVG with DOM calls (no library, no HTML strings,
 * so no text ever becomes markup). Both scale to their container through the viewBox.
 */
const SVG_NS = "http://www.w3.org/2000/svg";
const HEIGHT = 240;
const PAD = { top: 14, right: 8, bottom: 30, left: 52 };

/** Drawn at the container's own width, so text stays at its real size on a phone (redrawn on resize). */
function widthOf(container) {
  return Math.max(280, Math.round(container.clientWidth || 640));
}

function node(name, attrs = {}, text) {
  const el = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A "nice" upper bound for the y axis and its tick step. */
function scale(max, ticks = 4) {
  if (!(max > 0)) return { top: ticks, step: 1 };
  const raw = max / ticks;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  return { top: step * ticks, step };
}

function monthLabel(month) {
  const [year, mon] = month.split("-").map(Number);
  return new Date(year, mon - 1, 1).toLocaleDateString(undefined, { month: "short" });
}

function monthTitle(month) {
  const [year, mon] = month.split("-").map(Number);
  return new Date(year, mon - 1, 1).toLocaleDateString(undefined, { month: "long", year: "numeric" });
}

function frame(container, label, max, formatTick, integerTicks) {
  const WIDTH = widthOf(container);
  container.replaceChildren();
  const svg = node("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-label": label,
    class: "chart-svg",
    preserveAspectRatio: "xMidYMid meet",
  });
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  let { top, step } = scale(max);
  if (integerTicks && step < 1) {
    step = 1;
    top = Math.max(4, Math.ceil(max));
  }
  const y = (value) => PAD.top + plotHeight - (value / top) * plotHeight;
  for (let tick = 0; tick <= top + 1e-9; tick += step) {
    svg.append(node("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(tick), y2: y(tick), class: "chart-grid" }));
    const text = node("text", { x: PAD.left - 6, y: y(tick) + 4, "text-anchor": "end", class: "chart-tick" }, formatTick(tick));
    svg.append(text);
  }
  container.append(svg);
  return { svg, y, plotHeight, slot: (count) => (WIDTH - PAD.left - PAD.right) / Math.max(count, 1) };
}

function xLabels(svg, months, slot) {
  const every = Math.max(1, Math.ceil(30 / slot)); // a label needs about 30px
  months.forEach((month, i) => {
    if (i % every) return;
    const x = PAD.left + slot * (i + 0.5);
    svg.append(node("text", { x, y: HEIGHT - PAD.bottom + 16, "text-anchor": "middle", class: "chart-tick" }, monthLabel(month)));
  });
}

/** Spending per month: one bar per month. rows: [{month, total_amount, item_count}]. */
function spending(container, rows, formatMoney) {
  const values = rows.map((row) => Number(row.total_amount));
  const max = Math.max(0, ...values);
  const compact = (value) => formatMoney(value, { compact: true });
  const { svg, y, slot: slotFor } = frame(container, `Spending per month, ${rows.length} months`, max, compact, false);
  const slot = slotFor(rows.length);
  rows.forEach((row, i) => {
    const value = values[i];
    const top = y(value);
    const bar = node("rect", {
      x: PAD.left + slot * i + slot * 0.15,
      y: top,
      width: slot * 0.7,
      height: Math.max(0, y(0) - top),
      class: "chart-bar",
      "data-month": row.month,
    });
    const count = row.item_count === 1 ? "1 purchase" : `${row.item_count} purchases`;
    bar.append(node("title", {}, `${monthTitle(row.month)}: ${formatMoney(row.total_amount)} (${count})`));
    svg.append(bar);
  });
  xLabels(svg, rows.map((row) => row.month), slot);
}

const SERIES = [
  { key: "active", label: "Active", css: "chart-active" },
  { key: "expiring_soon", label: "Expiring within 30 days", css: "chart-expiring" },
  { key: "expired", label: "Expired that month", css: "chart-expired" },
];

/** Warranty timeline: per month, three bars side by side. rows: [{month, active, expired, expiring_soon}]. */
function warranties(container, rows) {
  const max = Math.max(0, ...rows.flatMap((row) => SERIES.map((s) => row[s.key])));
  const label = `Warranties per month: active, expiring soon and expired, ${rows.length} months`;
  const { svg, y, slot: slotFor } = frame(container, label, max, (v) => String(Math.round(v)), true);
  const slot = slotFor(rows.length);
  const barWidth = (slot * 0.8) / SERIES.length;
  rows.forEach((row, i) => {
    SERIES.forEach((series, j) => {
      const value = row[series.key];
      const top = y(value);
      const bar = node("rect", {
        x: PAD.left + slot * i + slot * 0.1 + barWidth * j,
        y: top,
        width: barWidth,
        height: Math.max(0, y(0) - top),
        class: `chart-bar ${series.css}`,
        "data-series": series.key,
      });
      bar.append(node("title", {}, `${monthTitle(row.month)}: ${series.label.toLowerCase()} ${value}`));
      svg.append(bar);
    });
  });
  xLabels(svg, rows.map((row) => row.month), slot);
}

window.SpendsCharts = { spending, warranties, SERIES };
