/* Spends Tracker web dashboard: the Import/Export screen (templates/app/screens/transfer.html). Exports are plain
 * links; an import uploads the chosen CSV or JSON file, as a dry run first, and shows the report. "From another
 * app" sends that app's CSV export with `source=` (warracker|homebox), read by the server's translation of it.
 */
const api = window.SpendsApi;
const { compose } = window.SpendsApp;

const transferMethods = {
  fieldError(field) {
    return api.fieldErrors(this.errors, field);
  },
  choose(event) {
    this.file = event.target.files[0] || null;
    this.reset();
  },
  reset() {
    this.report = null;
    this.checked = false;
    this.error = "";
    this.errors = {};
  },
  /** Where a report entry is: the spreadsheet line (CSV), the purchase's number (JSON), or "File". */
  rowLabel(item) {
    if (item.row == null) return "File";
    return item.line != null ? `Line ${item.line}` : `Purchase ${item.row}`;
  },
  /** A report's field in words: "warranty_end" → "Warranty end", "warranties.0.claims.0.closed_on" → "Closed on". */
  fieldLabel(field) {
    if (!field) return "—";
    const last = field.split(".").filter((part) => !/^\d+$/.test(part)).pop();
    const words = last.replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  },
  get format() {
    if (this.origin === "other") return "csv";
    return this.file && /\.json$/i.test(this.file.name) ? "json" : "csv";
  },
  async run(dryRun) {
    if (!this.file) {
      this.errors = { file: ["Choose a CSV or JSON file first."] };
      return;
    }
    this.busy = true;
    this.error = "";
    this.errors = {};
    const form = new FormData();
    form.append("file", this.file);
    const params = { dry_run: dryRun ? "true" : "false", partial: this.partial ? "true" : "false", on_duplicate: this.onDuplicate };
    if (this.origin === "other") params.source = this.source;
    try {
      this.report = await api.upload(`/api/import/${this.format}`, form, params);
      this.reportFailed = false;
      this.checked = dryRun;
      if (!dryRun) {
        const r = this.report;
        window.Alpine.store("ui").notify(`Imported: ${r.created} created, ${r.updated} updated, ${r.skipped} skipped.`);
      }
    } catch (err) {
      this.showFailure(err);
    } finally {
      this.busy = false;
    }
  },
  /** A refused import: the report of the rows with errors (nothing was written), or the problem with the request. */
  showFailure(err) {
    const body = err.body || {};
    if (err.status === 400 && Array.isArray(body.errors)) {
      this.report = body; // rows with errors: the report, nothing written
      this.reportFailed = true;
      this.checked = false; // the report says what to do; the API's detail speaks of query parameters
    } else {
      this.report = null;
      this.errors = err.errors;
      this.error = Object.keys(err.errors).length ? "" : err.detail;
      if (!this.fieldError("file") && Object.keys(err.errors).length) this.error = err.detail;
    }
  },
};

function transfer() {
  const state = {
    file: null,
    origin: "ours", // ours | other (another app's export)
    source: "warracker", // the other app: warracker | homebox
    onDuplicate: "skip",
    partial: false,
    report: null,
    reportFailed: false,
    checked: false,
    busy: false,
    error: "",
    errors: {},
  };
  return compose(state, transferMethods);
}

document.addEventListener("alpine:init", () => window.Alpine.data("transfer", transfer));
