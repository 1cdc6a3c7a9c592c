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
    money(amount) {
      return fmt.money(amount, this.data ? this.data.summary.currency : "USD");
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
    const currency = this.data.summary.currency;
    charts.spending(el, this.data.spending, (value, options) => fmt.money(value, currency, options));
  },
  drawWarranties(el) {
    if (this.data && this.width) charts.warranties(el, this.data.warranty_timeline);
  },
  /** Bar length for a top-retailer/brand row, relative to the largest row (the number shown is the share).
   * An object, so Alpine sets it through el.style (a style attribute would need 'unsafe-inline' styles). */
  barWidth(rows, row) {
    const max = Math.max(...rows.map((item) => Number(item.percentage)), 0);
    return { width: max > 0 ? `${(Number(row.percentage) / max) * 100}%` : "0" };
  },
};

document.addEventListener("alpine:init", () => window.Alpine.data("dashboard", dashboard));
