/* Spends Tracker web dashboard: the add/edit purchase dialog (templates/app/screens/purchase_dialog.html), a mixin of
 * the Purchases screen (purchases.js) and of a purchase's page (purchase_page.js): its form, the retailer and brand
 * typed by name, saving and the field errors. Its coverages (any number of warranties) are coverages.js's part of the
 * form: `form.coverages`, sent as `warranties`. A new purchase may bring its receipt (dropped or chosen in the dialog):
 * it is uploaded as soon as the purchase exists; if that fails the purchase stays and its page offers to try again.
 */
const api = window.SpendsApi;
const { today, compose, purchaseHref } = window.SpendsApp;
const { coveragesOf, coveragePayload, coverageGeneralErrors } = window.SpendsApp.coverageForms;

function blankPurchase() {
  return {
    product_name: "",
    price: "",
    currency_code: "",
    purchase_date: today(),
    status: "RECEIVED",
    return_by: "",
    returned_on: "",
    retailer_name: "",
    brand_name: "",
    notes: "",
    coverages: [],
  };
}

/** The form's values for a purchase from the list. */
function formOf(purchase) {
  return {
    product_name: purchase.product_name,
    price: purchase.price,
    currency_code: purchase.currency_code,
    purchase_date: purchase.purchase_date,
    status: purchase.status,
    return_by: purchase.return_by || "",
    returned_on: purchase.returned_on || "",
    retailer_name: purchase.retailer_name || "",
    brand_name: purchase.brand_name || "",
    notes: purchase.notes,
    coverages: coveragesOf(purchase),
  };
}

/** The dialog's methods; the Purchases screen provides retailers, brands and load(). */
const dialogMethods = {
  err(field) {
    return api.fieldErrors(this.formErrors, field);
  },
  openNew() {
    this.editing = null;
    this.form = blankPurchase();
    this.receipt = null;
    this.openForm();
  },
  openEdit(purchase) {
    this.editing = purchase;
    this.form = formOf(purchase);
    this.receipt = null;
    this.openForm();
  },
  async loadCatalog() {
    try {
      [this.retailers, this.brands] = await Promise.all([api.all("/api/retailers"), api.all("/api/brands")]);
    } catch (err) {
      window.Alpine.store("ui").notify(`Retailers and brands could not be loaded: ${err.detail}`, "error");
    }
  },
  openForm() {
    this.formErrors = {};
    this.formError = "";
    this.saving = false;
    this.$refs.purchaseDialog.showModal();
    this.$nextTick(() => this.$refs.productName.focus());
  },
  closeForm() {
    this.$refs.purchaseDialog.close();
  },
  /** The catalog id for a typed name: an existing one (any case), or a new retailer/brand made now. */
  async catalogId(kind, name) {
    const trimmed = name.trim();
    if (!trimmed) return null;
    const list = kind === "retailer" ? this.retailers : this.brands;
    const found = list.find((item) => item.name.toLowerCase() === trimmed.toLowerCase());
    if (found) return found.id;
    try {
      const created = await api.post(kind === "retailer" ? "/api/retailers" : "/api/brands", { name: trimmed });
      list.push(created);
      list.sort((a, b) => a.name.localeCompare(b.name));
      return created.id;
    } catch (err) {
      const messages = api.fieldErrors(err.errors, "name") || err.detail;
      throw new api.ApiError(400, { detail: "Please correct the marked fields.", errors: { [`${kind}_name`]: [messages] } });
    }
  },
  payload(retailerId, brandId) {
    const form = this.form;
    const body = {
      product_name: form.product_name,
      price: form.price === "" || form.price === null ? "" : String(form.price),
      purchase_date: form.purchase_date,
      status: form.status,
      return_by: form.return_by || null,
      // Only a RETURNED purchase has a return date; empty lets the server keep the one it has, or use today.
      returned_on: form.status === "RETURNED" ? form.returned_on || null : null,
      retailer_id: retailerId,
      brand_id: brandId,
      notes: form.notes,
    };
    if (form.currency_code.trim()) body.currency_code = form.currency_code.trim();
    // The whole set, every time: stored ones by id, new ones without, the removed ones left out (deleted).
    body.warranties = form.coverages.map(coveragePayload);
    return body;
  },
  async save() {
    this.saving = true;
    this.formErrors = {};
    this.formError = "";
    try {
      const retailerId = await this.catalogId("retailer", this.form.retailer_name);
      const brandId = await this.catalogId("brand", this.form.brand_name);
      const body = this.payload(retailerId, brandId);
      const saved = this.editing
        ? await api.put(`/api/purchases/${this.editing.id}`, body)
        : await api.post("/api/purchases", body);
      this.closeForm();
      if (!this.editing && this.receipt) await this.attachReceipt(saved, this.receipt);
      else window.Alpine.store("ui").notify(`${this.editing ? "Saved" : "Added"} “${saved.product_name}”.`);
      this.load();
    } catch (err) {
      this.showFormErrors(err);
    } finally {
      this.saving = false;
    }
  },
  /** A refused save: the general message on top, the field messages at their fields, the first of them focused. */
  showFormErrors(err) {
    this.formErrors = err.errors;
    const general = [api.fieldErrors(err.errors, "non_field_errors"), coverageGeneralErrors(err.errors)]
      .filter(Boolean)
      .join(" ");
    const fields = Object.keys(err.errors).filter((key) => key !== "non_field_errors");
    this.formError = general || (fields.length ? "Please correct the marked fields." : err.detail);
    this.$nextTick(() => {
      const invalid = this.$refs.purchaseDialog.querySelector("[aria-invalid=true]");
      if (invalid) invalid.focus();
    });
  },
};

/** The receipt of a new purchase: chosen or dropped in the add dialog, uploaded once the purchase is created. */
const receiptMethods = {
  chooseReceipt(list) {
    const file = list && list[0];
    if (!file) return;
    this.receipt = file;
    // The hook of a later receipt-suggestion feature: it may fill the form from the file (nothing is sent here).
    if (typeof window.spendsReceiptSuggest === "function") window.spendsReceiptSuggest(file, this.form);
  },
  dropReceipt(event) {
    this.receiptDragging = false;
    if (!this.editing) this.chooseReceipt(event.dataTransfer.files); // an edit's files are on the purchase's page
  },
  clearReceipt() {
    this.receipt = null;
    if (this.$refs.receiptInput) this.$refs.receiptInput.value = "";
  },
  /** Uploads the receipt of the purchase just created; when that fails the purchase stays, and its page offers the
   * same file again (window.SpendsApp.pendingReceipt). */
  async attachReceipt(purchase, file) {
    const ui = window.Alpine.store("ui");
    const form = new FormData();
    form.append("file", file);
    form.append("kind", "RECEIPT");
    try {
      await api.upload(`/api/purchases/${purchase.id}/attachments`, form);
      ui.notify(`Added “${purchase.product_name}” with its receipt.`);
    } catch (err) {
      const reason = api.fieldErrors(err.errors, "file") || err.detail;
      window.SpendsApp.pendingReceipt = { purchaseId: purchase.id, file, reason };
      ui.notify(`Added “${purchase.product_name}”, but its receipt ${file.name} could not be uploaded: ${reason}`, "error");
      window.location.hash = purchaseHref(purchase.id);
    }
    this.receipt = null;
  },
};

/** Mixin for the Purchases screen and a purchase's page: the dialog's state and methods (and the catalog it needs). */
window.SpendsApp.purchaseDialog = function purchaseDialog() {
  const state = { form: blankPurchase(), editing: null, formErrors: {}, formError: "", saving: false };
  const receipt = { receipt: null, receiptDragging: false, retailers: [], brands: [] };
  return compose(state, receipt, dialogMethods, receiptMethods, window.SpendsApp.coverages());
};
