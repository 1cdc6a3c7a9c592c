/* Spends Tracker web dashboard: one purchase's page, #/purchases/{id} (templates/app/screens/purchase.html), the
 * target of every link to a purchase (the lists, the dashboard, reminder emails, calendar events). It shows the
 * purchase with its return window, every coverage with its status, days left and claims, and the attachments with
 * thumbnails and an inline preview. Editing reuses the purchase dialog (purchase_dialog.js), claims the claims dialog
 * (claims.js), uploads and deletes the attachments mixin (attachments.js). A viewer gets no write button.
 */
const api = window.SpendsApi;
const { fmt, today, parseHash, compose } = window.SpendsApp;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Whole days from today to a "YYYY-MM-DD" date (negative when it is past). */
function daysUntil(value) {
  const [year, month, day] = value.split("-").map(Number);
  const [ty, tm, td] = today().split("-").map(Number);
  return Math.round((Date.UTC(year, month - 1, day) - Date.UTC(ty, tm - 1, td)) / DAY_MS);
}

const pageMethods = {
  init() {
    this.id = parseHash().id;
    this.load();
  },
  onHashChange() {
    const { screen, id } = parseHash();
    if (screen !== "purchase" || id === this.id) return;
    this.id = id;
    this.purchase = null;
    this.closePreview();
    this.load();
  },
  /** The purchase, its attachments and its claims; the dialogs call it again after a change. */
  async load() {
    const seq = ++this._seq;
    this.loading = true;
    this.error = "";
    try {
      const purchase = await api.get(`/api/purchases/${this.id}`);
      if (seq !== this._seq) return;
      this.purchase = purchase;
      this.files.purchase = purchase;
      document.title = `${purchase.product_name} · Spends Tracker`;
      this.pickUpPendingReceipt();
      await Promise.all([this.loadFiles(), this.loadAllClaims()]);
    } catch (err) {
      if (seq !== this._seq) return;
      this.error = err.status === 404 ? "There is no such purchase in your household (it may have been deleted)." : err.detail;
    } finally {
      if (seq === this._seq) this.loading = false;
    }
  },
  /** The claims of each coverage that has any, keyed by the coverage's id. */
  async loadAllClaims() {
    const withClaims = this.coverages.filter((warranty) => warranty.claim_count);
    const lists = await Promise.all(
      withClaims.map((warranty) => api.get(`/api/warranties/${warranty.id}/claims`, { limit: 100 })),
    );
    const byWarranty = {};
    withClaims.forEach((warranty, index) => {
      byWarranty[warranty.id] = lists[index].items;
    });
    this.claimsBy = byWarranty;
  },
  claimsOf(warranty) {
    return this.claimsBy[warranty.id] || [];
  },
  get coverages() {
    const purchase = this.purchase;
    if (!purchase) return [];
    return purchase.warranties || (purchase.warranty ? [purchase.warranty] : []);
  },
};

/** What the page says about the purchase and its coverages, in words. */
const pageTexts = {
  get priceText() {
    return fmt.money(this.purchase.price, this.purchase.currency_code);
  },
  /** The price in the household's home currency (#22): null in the home currency itself (nothing to convert). */
  get homePriceText() {
    const purchase = this.purchase;
    const user = window.Alpine.store("ui").user;
    const home = user ? user.home_currency : "";
    if (!home || purchase.currency_code === home) return null;
    if (purchase.exchange_rate === null) return "No exchange rate known: left out of converted totals";
    const source = purchase.rate_source === "MANUAL" ? "rate set by hand" : "ECB rate of the day";
    return `${fmt.money(purchase.home_price, home)} (${purchase.exchange_rate}, ${source})`;
  },
  get returnText() {
    const purchase = this.purchase;
    if (purchase.status === "RETURNED") return `Returned on ${fmt.date(purchase.returned_on)}`;
    if (!purchase.return_by) return "No return window";
    const days = daysUntil(purchase.return_by);
    if (days < 0) return `Closed on ${fmt.date(purchase.return_by)}`;
    const left = days === 0 ? "last day" : `${fmt.days(days)} left`;
    return `Return by ${fmt.date(purchase.return_by)} (${left})`;
  },
  get returnOpen() {
    const purchase = this.purchase;
    return !!purchase.return_by && purchase.status !== "RETURNED" && daysUntil(purchase.return_by) >= 0;
  },
  coverageTitleOf(warranty) {
    return `${fmt.label(warranty.warranty_type)}${warranty.provider ? " · " + warranty.provider : ""}`;
  },
  coveragePeriod(warranty) {
    const end = warranty.warranty_end ? fmt.date(warranty.warranty_end) : "lifetime";
    return `${fmt.date(warranty.warranty_start)} – ${end}`;
  },
  daysLeftText(warranty) {
    if (warranty.status === "VOIDED") return "Voided";
    if (warranty.status === "EXPIRED") return `Ended ${fmt.date(warranty.warranty_end)}`;
    if (warranty.days_remaining === null || warranty.days_remaining === undefined) return "No end";
    return warranty.days_remaining === 0 ? "Last day" : `${fmt.days(warranty.days_remaining)} left`;
  },
  coverageExtras(warranty) {
    const parts = [];
    if (warranty.reference) parts.push(`Reference ${warranty.reference}`);
    if (warranty.cost !== null && warranty.cost !== undefined) parts.push(`cost ${fmt.money(warranty.cost, this.purchase.currency_code)}`);
    if (warranty.notes) parts.push(warranty.notes);
    return parts.join(" · ");
  },
};

/** Attachments: thumbnails, the inline preview, and the receipt whose upload failed when the purchase was added. */
const pageFiles = {
  isImage(attachment) {
    // HEIC is an image most browsers cannot draw: it gets a tile like any other file.
    return attachment.available && attachment.content_type.startsWith("image/") && attachment.content_type !== "image/heic";
  },
  isPdf(attachment) {
    return attachment.available && attachment.content_type === "application/pdf";
  },
  canPreview(attachment) {
    return this.isImage(attachment) || this.isPdf(attachment);
  },
  showPreview(attachment) {
    this.preview = attachment;
    this.$nextTick(() => {
      this.mountPdf(this.isPdf(attachment) ? attachment : null);
      document.getElementById("attachment-preview").scrollIntoView({ block: "nearest" });
    });
  },
  /** The PDF's preview frame (same origin: the download answers SAMEORIGIN for PDFs), or none. Made here because
   * Alpine's CSP build refuses to bind anything on an <iframe>. */
  mountPdf(attachment) {
    const holder = document.getElementById("pdf-preview");
    if (!holder) return;
    holder.replaceChildren();
    if (!attachment) return;
    const frame = document.createElement("iframe");
    frame.className = "preview-pdf";
    frame.title = `Preview of ${attachment.filename}`;
    frame.src = attachment.download_url;
    holder.append(frame);
  },
  dropOnPage(event) {
    this.files.dragging = false;
    if (window.Alpine.store("ui").canWrite) this.dropFiles(event);
  },
  closePreview() {
    this.mountPdf(null);
    this.preview = null;
  },
  fileTileText(attachment) {
    if (!attachment.available) return "Missing";
    if (attachment.content_type === "application/pdf") return "PDF";
    return (attachment.filename.split(".").pop() || fmt.label(attachment.kind)).slice(0, 4).toUpperCase();
  },
  pickUpPendingReceipt() {
    const pending = window.SpendsApp.pendingReceipt;
    this.pending = pending && pending.purchaseId === this.id ? pending : null;
  },
  async retryReceipt() {
    const pending = this.pending;
    this.files.kind = "RECEIPT";
    await this.uploadFiles([pending.file]);
    if (!this.files.error) {
      window.SpendsApp.pendingReceipt = null;
      this.pending = null;
    }
  },
  forgetReceipt() {
    window.SpendsApp.pendingReceipt = null;
    this.pending = null;
  },
};

/** Edit, delete, and the claims dialog opened on a coverage (to file a claim, or to change, close or extend one). */
const pageActions = {
  async editPurchase() {
    await this.loadCatalog();
    this.openEdit(this.purchase);
  },
  async removePurchase() {
    const ui = window.Alpine.store("ui");
    const purchase = this.purchase;
    const ok = await ui.ask(`Delete “${purchase.product_name}”, its coverages and its attachments?`);
    if (!ok) return;
    try {
      await api.del(`/api/purchases/${purchase.id}`);
      ui.notify(`Deleted “${purchase.product_name}”.`);
      window.location.hash = "#/purchases";
    } catch (err) {
      ui.notify(err.detail, "error");
    }
  },
  fileClaim(warranty) {
    this.openClaims(warranty);
    this.$nextTick(() => document.getElementById("claim-issue").focus());
  },
  /** The claims dialog in its "change" mode for this claim at once (its list loads meanwhile). */
  async changeClaim(warranty, claim) {
    const opening = this.openClaims(warranty);
    this.editClaim(claim);
    await opening;
  },
};

function purchasePage() {
  const app = window.SpendsApp;
  const state = { id: "", purchase: null, loading: false, error: "", claimsBy: {}, preview: null, pending: null, _seq: 0 };
  return compose(state, pageMethods, pageTexts, pageFiles, pageActions, app.purchaseDialog(), app.attachments(), app.claims());
}

document.addEventListener("alpine:init", () => window.Alpine.data("purchasePage", purchasePage));
