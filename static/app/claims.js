/* Spends Tracker web dashboard: a warranty's claims dialog (templates/app/screens/claims_dialog.html), a mixin of the
 * Warranties screen (warranties.js): the claims of one warranty, filing one, changing one (its status above all) and
 * deleting one. An APPROVED or RESOLVED claim with "extends the warranty to" later than the warranty's end moves the
 * end; deleting it moves the end back (API.md § Version 2, claims). Viewers only read: no form, no buttons.
 */
const api = window.SpendsApi;
const { today, compose, fmt } = window.SpendsApp;

function blankClaim() {
  return { opened_on: today(), status: "OPEN", closed_on: "", issue: "", resolution: "", extends_warranty_to: "" };
}

function claimForm(claim) {
  return {
    opened_on: claim.opened_on,
    status: claim.status,
    closed_on: claim.closed_on || "",
    issue: claim.issue,
    resolution: claim.resolution || "",
    extends_warranty_to: claim.extends_warranty_to || "",
  };
}

function claimPayload(form) {
  return {
    opened_on: form.opened_on,
    status: form.status,
    closed_on: form.closed_on || null,
    issue: form.issue,
    resolution: form.resolution,
    extends_warranty_to: form.extends_warranty_to || null,
  };
}

/** The server's field names in the words the form uses, for the message on top. */
const CLAIM_LABELS = {
  opened_on: "Opened on",
  closed_on: "Closed on",
  status: "Status",
  issue: "Issue",
  resolution: "Resolution",
  extends_warranty_to: "Extends the warranty to",
};

/** A refused write in plain words: what the server said, with the form's labels for the fields at fault. */
function claimErrorText(err) {
  const general = api.fieldErrors(err.errors, "non_field_errors");
  const fields = Object.keys(err.errors || {}).filter((key) => key !== "non_field_errors");
  if (general) return general;
  if (fields.length) return `Please correct: ${fields.map((key) => CLAIM_LABELS[key] || key).join(", ")}.`;
  if (err.status === 403) return "You can read this household's claims but not change them.";
  if (err.status === 404) return "This warranty or claim no longer exists. Close the dialog and reload the list.";
  return err.detail;
}

const claimMethods = {
  claimErr(field) {
    return api.fieldErrors(this.claims.errors, field);
  },
  async openClaims(warranty) {
    this.claims = { ...this.claims, warranty, items: [], error: "", errors: {}, editing: null, form: blankClaim() };
    this.$refs.claimsDialog.showModal();
    await this.loadClaims();
  },
  closeClaims() {
    this.$refs.claimsDialog.close();
  },
  async loadClaims() {
    this.claims.loading = true;
    try {
      const data = await api.get(`/api/warranties/${this.claims.warranty.id}/claims`, { limit: 100 });
      this.claims.items = data.items;
    } catch (err) {
      this.claims.error = claimErrorText(err);
    } finally {
      this.claims.loading = false;
    }
  },
  /** The warranty again (its end may have moved, its claim count changed), and the list behind the dialog. */
  async refreshWarranty() {
    try {
      this.claims.warranty = await api.get(`/api/warranties/${this.claims.warranty.id}`);
    } catch (err) {
      this.claims.error = claimErrorText(err);
    }
    this.load();
  },
  editClaim(claim) {
    this.claims.editing = claim;
    this.claims.form = claimForm(claim);
    this.claims.errors = {};
    this.claims.error = "";
    this.$nextTick(() => document.getElementById("claim-status").focus());
  },
  cancelClaimEdit() {
    this.claims.editing = null;
    this.claims.form = blankClaim();
    this.claims.errors = {};
    this.claims.error = "";
  },
  async saveClaim() {
    const claims = this.claims;
    claims.saving = true;
    claims.errors = {};
    claims.error = "";
    const body = claimPayload(claims.form);
    try {
      if (claims.editing) await api.patch(`/api/claims/${claims.editing.id}`, body);
      else await api.post(`/api/warranties/${claims.warranty.id}/claims`, body);
      window.Alpine.store("ui").notify(claims.editing ? "Claim updated." : "Claim filed.");
      this.cancelClaimEdit();
      await Promise.all([this.loadClaims(), this.refreshWarranty()]);
    } catch (err) {
      claims.errors = err.errors || {};
      claims.error = claimErrorText(err);
    } finally {
      claims.saving = false;
    }
  },
  async removeClaim(claim) {
    const extended = claim.previous_warranty_end ? " The warranty's end moves back to " + fmt.date(claim.previous_warranty_end) + "." : "";
    const ok = await window.Alpine.store("ui").ask(`Delete the claim “${claim.issue}”?${extended}`);
    if (!ok) return;
    try {
      await api.del(`/api/claims/${claim.id}`);
      window.Alpine.store("ui").notify("Claim deleted.");
      if (this.claims.editing && this.claims.editing.id === claim.id) this.cancelClaimEdit();
      await Promise.all([this.loadClaims(), this.refreshWarranty()]);
    } catch (err) {
      this.claims.error = claimErrorText(err);
    }
  },
  /** One line under a claim: its dates and what it did to the warranty's end. */
  claimDetails(claim) {
    const parts = [`Opened ${fmt.date(claim.opened_on)}`];
    if (claim.closed_on) parts.push(`closed ${fmt.date(claim.closed_on)}`);
    if (claim.previous_warranty_end) {
      parts.push(`extended the end from ${fmt.date(claim.previous_warranty_end)} to ${fmt.date(claim.extends_warranty_to)}`);
    } else if (claim.extends_warranty_to) {
      parts.push(`asks to extend the end to ${fmt.date(claim.extends_warranty_to)}`);
    }
    return parts.join(" · ");
  },
  get claimsTitle() {
    const warranty = this.claims.warranty;
    return warranty ? `Claims on ${warranty.product_name} (${fmt.label(warranty.warranty_type)})` : "Claims";
  },
  get claimsWarrantyLine() {
    const warranty = this.claims.warranty;
    if (!warranty) return "";
    const end = warranty.warranty_end ? `ends ${fmt.date(warranty.warranty_end)}` : "lifetime";
    return `${fmt.label(warranty.status)}, ${end}${warranty.provider ? " · " + warranty.provider : ""}`;
  },
};

/** Mixin for the Warranties screen: the claims dialog's state and methods; the screen's load() refreshes the list. */
window.SpendsApp.claims = function claims() {
  const state = { warranty: null, items: [], loading: false, saving: false, error: "", errors: {}, editing: null, form: blankClaim() };
  return compose({ claims: state }, claimMethods);
};
