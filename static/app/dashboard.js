/* Spends Tracker web dashboard: the Dashboard screen (templates/app/screens/dashboard.html), one GET
 * /api/analytics/dashboard drawn as cards, two SVG charts (charts.js) and the top retailers and brands.
 */
const api = window.SpendsApi;
const charts = window.SpendsCharts;
const { fmt, parseHash, writeHash, compose } = window.SpendsApp;

function dashboard() {
  const state = {
    data: null,
    width: window.innerWidth, // read by the chart effects, so a resize redraws them
    currency: parseHash().params.get("currency") || "",
    loading: false,
    error: "",

    init() {
      this.load();
    },
    async load() {
      this.loading = true;
      this.error = "";
      try {
        this.data = await api.get("/api/analytics/dashboard", { currency: this.currency });
        this.currency = this.data.summary.currency;
      } catch (err) {
        this.error = err.detail;
      } finally {
        this.loading = false;
      }
    },
    onResize() {
      this.width = window.innerWidth;
    },
    switchCurrency() {
      writeHash("dashboard", { currency: this.currency });
      this.load();
    },
    get empty() {
      return this.data && this.data.summary.currencies.length === 0;
    },
    /** The unit of the money figures: the currency shown, or (HOME) the home currency everything was converted to. */
    get unit() {
      if (!this.data) return "USD";
      const summary = this.data.summary;
      return summary.currency === "HOME" ? summary.home_currency : summary.currency;
    },
    get converted() {
      return Boolean(this.data && this.data.summary.currency === "HOME");
    },
    money(amount) {
      return fmt.money(amount, this.unit);
    },
    get spendingTotal() {
      return this.data ? this.data.spending.reduce((sum, row) => sum + Number(row.total_amount), 0) : 0;
    },
  };
  return compose(state, dashboardCharts);
}

/** The charts and the bars of the top lists. */
const dashboardCharts = {
  drawSpending(el) {
    if (!this.data || !this.width) return;
    const currency = this.unit;
    charts.spending(el, this.data.spending, (value, options) => fmt.money(value, currency, options));
  },
  drawWarranties(el) {
    if (this.data && this.width) charts.warranties(el, this.data.warranty_timeline);
  },
  /** A top list (retailers or brands; `key` "retailer" or "brand") ranked by money spent in the shown currency, then
   * by count and name, with "Unknown" (no retailer/brand) last; each row gains `share`, its part of the money. */
  ranked(rows, key) {
    const total = rows.reduce((sum, row) => sum + Number(row.total_spent), 0);
    const unknown = (row) => (row[`${key}_id`] === null ? 1 : 0);
    return rows
      .map((row) => ({ ...row, name: row[`${key}_name`], share: total > 0 ? (Number(row.total_spent) / total) * 100 : 0 }))
      .sort((a, b) => unknown(a) - unknown(b) || Number(b.total_spent) - Number(a.total_spent)
        || b.count - a.count || a.name.localeCompare(b.name))
      .slice(0, 6);
  },
  /** Bar length for a top-list row: its money relative to the largest row's. An object, so Alpine sets it through
   * el.style (a style attribute would need 'unsafe-inline' styles). */
  barWidth(rows, row) {
    const max = Math.max(...rows.map((item) => Number(item.total_spent)), 0);
    return { width: max > 0 ? `${(Number(row.total_spent) / max) * 100}%` : "0" };
  },
  /** "3 purchases · 42% of spending" beside a top-list row's money. */
  shareNote(row) {
    const count = `${row.count} ${row.count === 1 ? "purchase" : "purchases"}`;
    return `${count} · ${fmt.percent(row.share.toFixed(1))} of spending`;
  },
  daysLeft(days) {
    return days === 0 ? "last day" : `${days} ${days === 1 ? "day" : "days"} left`;
  },
};

document.addEventListener("alpine:init", () => window.Alpine.data("dashboard", dashboard));
