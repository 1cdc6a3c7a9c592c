/* Spends Tracker web dashboard: the Purchases screen (templates/app/screens/purchases.html): the filtered, paginated
 * list and deleting. Its two dialogs are mixins of their own: purchase_dialog.js (add/edit) and attachments.js.
 */
const api = window.SpendsApi;
const { compose, listState } = window.SpendsApp;

const PURCHASE_FILTERS = {
  search: "",
  status: "",
  retailer_id: "",
  brand_id: "",
  date_from: "",
  date_to: "",
  returnable: "",
  ordering: "",
};

const purchaseListMethods = {
  init() {
    this.readHash();
    this.load();
    this.loadCatalog();
  },
  load() {
    return this.fetchPage("/api/purchases", this.filters);
  },
  /** The "Returnable" checkbox: only the open return windows (?returnable=true), or no such filter. */
  toggleReturnable(checked) {
    this.filters.returnable = checked ? "true" : "";
    this.apply();
  },
  /** "Retailer · Brand", either alone, or a dash. */
  sources(purchase) {
    return [purchase.retailer_name, purchase.brand_name].filter(Boolean).join(" · ") || "—";
  },
  async remove(purchase) {
    const ui = window.Alpine.store("ui");
    const ok = await ui.ask(`Delete “${purchase.product_name}”, its coverages and its attachments?`);
    if (!ok) return;
    try {
      await api.del(`/api/purchases/${purchase.id}`);
      ui.notify(`Deleted “${purchase.product_name}”.`);
      this.load();
    } catch (err) {
      ui.notify(err.detail, "error");
    }
  },
};

function purchases() {
  const app = window.SpendsApp;
  return compose(listState("purchases", PURCHASE_FILTERS), purchaseListMethods, app.purchaseDialog(), app.attachments());
}

document.addEventListener("alpine:init", () => window.Alpine.data("purchases", purchases));
