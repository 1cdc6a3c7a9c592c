/* Spends Tracker web dashboard: a purchase's attachments dialog (templates/app/screens/attachments_dialog.html), a
 * mixin of the Purchases screen (purchases.js): the list, uploads by choosing or dropping files, deleting.
 */
const api = window.SpendsApi;
const { compose } = window.SpendsApp;

/** The dialog's methods; its state is `files`, and the Purchases screen's load() refreshes the counts. */
const attachmentMethods = {
  fileError(field) {
    return api.fieldErrors(this.files.errors, field);
  },
  async openFiles(purchase) {
    this.files = { ...this.files, purchase, items: [], error: "", errors: {}, dragging: false };
    this.$refs.filesDialog.showModal();
    await this.loadFiles();
  },
  async loadFiles() {
    this.files.loading = true;
    try {
      const data = await api.get(`/api/purchases/${this.files.purchase.id}/attachments`, { limit: 100 });
      this.files.items = data.items;
    } catch (err) {
      this.files.error = err.detail;
    } finally {
      this.files.loading = false;
    }
  },
  dropFiles(event) {
    this.files.dragging = false;
    return this.uploadFiles(event.dataTransfer.files);
  },
  async uploadFiles(list) {
    const chosen = Array.from(list || []);
    if (!chosen.length) return;
    this.files.uploading = true;
    this.files.error = "";
    this.files.errors = {};
    const failures = [];
    for (const file of chosen) {
      const failure = await this.uploadFile(file);
      if (failure) failures.push(failure);
    }
    this.files.uploading = false;
    this.$refs.fileInput.value = "";
    if (failures.length) this.files.error = failures.join(" ");
    if (failures.length < chosen.length) window.Alpine.store("ui").notify(`Uploaded ${chosen.length - failures.length} file(s).`);
    await this.loadFiles();
    this.load(); // attachment counts
  },
  /** Uploads one file; what went wrong ("name: reason"), or "" when it went up. */
  async uploadFile(file) {
    const form = new FormData();
    form.append("file", file);
    form.append("kind", this.files.kind);
    try {
      await api.upload(`/api/purchases/${this.files.purchase.id}/attachments`, form);
      return "";
    } catch (err) {
      const reason = api.fieldErrors(err.errors, "file") || api.fieldErrors(err.errors, "kind") || err.detail;
      return `${file.name}: ${reason}`;
    }
  },
  async removeFile(attachment) {
    const ok = await window.Alpine.store("ui").ask(`Delete the attachment “${attachment.filename}”?`);
    if (!ok) return;
    try {
      await api.del(`/api/attachments/${attachment.id}`);
      window.Alpine.store("ui").notify(`Deleted “${attachment.filename}”.`);
      await this.loadFiles();
      this.load();
    } catch (err) {
      this.files.error = err.detail;
    }
  },
};

/** Mixin for the Purchases screen: the attachments dialog's state and methods. */
window.SpendsApp.attachments = function attachments() {
  const files = { purchase: null, items: [], loading: false, error: "", errors: {}, kind: "RECEIPT", uploading: false, dragging: false };
  return compose({ files }, attachmentMethods);
};
