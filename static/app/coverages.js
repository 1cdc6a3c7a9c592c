/* Spends Tracker web dashboard: the "Coverages" part of the purchase dialog (templates/app/screens/purchase_dialog.html),
 * a mixin of the Purchases screen next to purchase_dialog.js. A purchase may have any number of warranties; the dialog
 * edits them as one list and saves it as `warranties` (API.md § Version 2): items with an id update that warranty, the
 * others are created, and those removed here are deleted when the purchase is saved.
 */
const api = window.SpendsApi;
const { today, compose } = window.SpendsApp;

let nextKey = 1; // x-for keys for coverages not saved yet (they have no id)

/** A new coverage's form values. `end_by` chooses how the end is given: a date, or a number of months. */
function blankCoverage() {
  return {
    key: `new-${nextKey++}`,
    id: null,
    warranty_type: "LIMITED",
    warranty_start: today(),
    end_by: "date",
    warranty_end: "",
    duration_months: "",
    provider: "",
    reference: "",
    cost: "",
    status: "ACTIVE",
    shown_status: "",
    claim_count: 0,
    notes: "",
  };
}

/** The form values of a stored warranty (an item of the purchase's `warranties`). */
function coverageForm(warranty) {
  return {
    ...blankCoverage(),
    key: warranty.id,
    id: warranty.id,
    warranty_type: warranty.warranty_type,
    warranty_start: warranty.warranty_start,
    warranty_end: warranty.warranty_end || "",
    provider: warranty.provider || "",
    reference: warranty.reference || "",
    cost: warranty.cost === null || warranty.cost === undefined ? "" : warranty.cost,
    status: warranty.status === "VOIDED" ? "VOIDED" : "ACTIVE",
    shown_status: warranty.status,
    claim_count: warranty.claim_count || 0,
    notes: warranty.notes || "",
  };
}

/** A purchase's coverages as form values: its `warranties`, or (from an older server) its one `warranty`. */
function coveragesOf(purchase) {
  const list = purchase.warranties || (purchase.warranty ? [purchase.warranty] : []);
  return list.map(coverageForm);
}

/** One item of the `warranties` list sent to the API. */
function coveragePayload(coverage) {
  const body = {
    warranty_type: coverage.warranty_type,
    warranty_start: coverage.warranty_start,
    status: coverage.status,
    provider: coverage.provider,
    reference: coverage.reference,
    notes: coverage.notes,
    cost: coverage.cost === "" || coverage.cost === null ? null : String(coverage.cost),
  };
  if (coverage.id) body.id = coverage.id;
  if (coverage.end_by === "months") {
    body.duration_months = coverage.duration_months === null ? "" : String(coverage.duration_months);
  } else {
    body.warranty_end = coverage.warranty_end || null;
  }
  return body;
}

/** The messages about the list or one whole coverage (not about one of its fields), in plain words. */
function coverageGeneralErrors(errors) {
  const messages = [api.fieldErrors(errors, "warranties"), api.fieldErrors(errors, "warranties.non_field_errors")];
  const items = errors && errors.warranties;
  if (items && typeof items === "object") {
    for (const index of Object.keys(items)) {
      const text = api.fieldErrors(errors, `warranties.${index}.non_field_errors`);
      if (text) messages.push(`Coverage ${Number(index) + 1}: ${text}`);
    }
  }
  return messages.filter(Boolean).join(" ");
}

const coverageMethods = {
  /** The messages of a coverage's field: errors.warranties.<index>.<field>. */
  covErr(index, field) {
    return api.fieldErrors(this.formErrors, `warranties.${index}.${field}`);
  },
  /** Either way of giving the end: its messages show at the end's input. */
  covEndErr(index) {
    return this.covErr(index, "warranty_end") || this.covErr(index, "duration_months");
  },
  covId(index, field) {
    return `cov-${index}-${field}`;
  },
  addCoverage() {
    this.form.coverages.push(blankCoverage());
    const index = this.form.coverages.length - 1;
    this.$nextTick(() => {
      const input = document.getElementById(this.covId(index, "type"));
      if (input) input.focus();
    });
  },
  removeCoverage(index) {
    this.form.coverages.splice(index, 1);
    // The messages are keyed by position: after a removal they would sit at the wrong coverage.
    if (this.formErrors && this.formErrors.warranties) {
      const { warranties, ...rest } = this.formErrors;
      this.formErrors = rest;
    }
    this.$nextTick(() => {
      const next = document.getElementById("add-coverage");
      if (next) next.focus();
    });
  },
  coverageTitle(coverage, index) {
    const kind = window.SpendsApp.fmt.label(coverage.warranty_type);
    return `Coverage ${index + 1}: ${kind}${coverage.provider ? " · " + coverage.provider : ""}`;
  },
  /** The removed stored coverages: what saving will delete. */
  get removedCoverages() {
    if (!this.editing) return 0;
    const kept = new Set(this.form.coverages.map((coverage) => coverage.id).filter(Boolean));
    return coveragesOf(this.editing).filter((coverage) => !kept.has(coverage.id)).length;
  },
};

/** Mixin for the Purchases screen (with purchase_dialog.js): the coverages' methods; the list is form.coverages. */
window.SpendsApp.coverages = function coverages() {
  return compose(coverageMethods);
};
window.SpendsApp.coverageForms = { blankCoverage, coveragesOf, coveragePayload, coverageGeneralErrors };
