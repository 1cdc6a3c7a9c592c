/* Spends Tracker web dashboard: restoring a backup on the Backups screen (API.md § Backups, restore). A mixin for
 * backups.js (window.SpendsApp.restoreState): the confirmation dialog (#restore-dialog) that names what will be
 * replaced and the restore point, the foreign-archive warning with its second confirmation (allow_foreign), and the
 * progress of the restore job until it has ended.
 *
 * A restore replaces the sessions too: once the data are replaced the next poll answers 401. The screen then says so
 * and offers to sign in again, back to #/backups?restore=<id>, where it picks the job up and shows how it ended.
 */
const api = window.SpendsApi;

const POLL_MS = 1000;
const POLL_LIMIT = 1800; // half an hour of polling; the job keeps running on the server after that

/** The server refused an archive this installation did not sign (ForeignArchive: the message names the signature). */
function isForeign(message) {
  return /signature/i.test(message || "");
}

const restoreMethods = {
  /** From the list: restore this stored backup. */
  askRestore(backup) {
    this.openRestore({ kind: "backup", backup, label: `the ${backup.kind} backup of ${this.when(backup)} (${backup.filename})` });
  },
  /** From the file field: restore an uploaded archive. */
  askRestoreFile(event) {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    this.openRestore({ kind: "file", file, label: `the uploaded file ${file.name}` });
  },
  when(backup) {
    return window.SpendsApp.fmt.dateTime(backup.finished_at || backup.created_at);
  },
  openRestore(source) {
    Object.assign(this, { restoreSource: source, allowForeign: false, foreignWarning: "", restoreError: "" });
    this.restoreUnderstood = false;
    document.getElementById("restore-dialog").showModal();
  },
  closeRestore() {
    const dialog = document.getElementById("restore-dialog");
    if (dialog.open) dialog.close();
  },
  restoreClosed() {
    this.restoreSource = null;
  },
  get canConfirmRestore() {
    return !this.restoreBusy && this.restoreUnderstood && (!this.foreignWarning || this.allowForeign);
  },
  get restoreLabel() {
    return this.restoreSource ? this.restoreSource.label : "";
  },
  /** Send the confirmed restore; the answer is its report (done within the wait) or a job to poll. */
  async startRestore() {
    const source = this.restoreSource;
    this.restoreBusy = true;
    this.restoreError = "";
    try {
      let answer;
      if (source.kind === "backup") {
        answer = await api.post("/api/backup/restore", {
          backup_id: source.backup.id,
          confirm: true,
          allow_foreign: this.allowForeign,
        });
      } else {
        const form = new FormData();
        form.append("file", source.file);
        form.append("confirm", "true");
        form.append("allow_foreign", this.allowForeign ? "true" : "false");
        answer = await api.upload("/api/backup/restore", form);
      }
      this.closeRestore();
      this.restoreJob = { status: answer.status || "succeeded", restored_from: source.label };
      if (answer.restore_id) await this.followRestore(answer.restore_id);
      else this.restoreEnded({ status: "succeeded", result: answer });
    } catch (err) {
      this.refused(api.fieldErrors(err.errors, "file") || err.detail);
    } finally {
      this.restoreBusy = false;
    }
  },
  /** A refusal before anything changed: the foreign-archive warning gets its own second confirmation. */
  refused(message) {
    if (isForeign(message) && !this.allowForeign) {
      this.foreignWarning = message.replace(/ Restore it only if.*$/, "");
    } else {
      this.restoreError = message;
    }
  },
  /** Poll GET /api/backup/restore/{id} until the job has ended (or the session did, with the old data). */
  async followRestore(restoreId) {
    this.restoreJob = { ...(this.restoreJob || {}), restore_id: restoreId, status: this.restoreJob ? this.restoreJob.status : "pending" };
    for (let i = 0; i < POLL_LIMIT; i++) {
      let job;
      try {
        job = await api.get(`/api/backup/restore/${restoreId}`, undefined, { redirectOn401: false });
      } catch (err) {
        if (err.status === 401) {
          this.restoreJob = { ...this.restoreJob, status: "signed-out" };
          return;
        }
        this.restoreJob = { ...this.restoreJob, status: "unknown" };
        this.restoreError = err.detail;
        return;
      }
      this.restoreJob = { ...job, restored_from: this.sourceName(job.restored_from) };
      if (!["pending", "running"].includes(job.status)) return this.restoreEnded(this.restoreJob);
      await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
    }
  },
  restoreEnded(job) {
    this.restoreJob = { ...(this.restoreJob || {}), ...job };
    if (job.status === "succeeded") {
      this.restoreResult = job.result;
      this.loadAfterRestore();
    } else {
      this.restoreError = `The restore failed and the data were left as they were: ${job.error || "no reason given"}`;
      if (isForeign(job.error)) this.restoreError += " Restore it again and confirm the warning to go ahead.";
    }
  },
  /** The restore replaced the sessions: reloading the list may ask for a sign-in, so only when still signed in. */
  async loadAfterRestore() {
    try {
      await api.get("/api/auth/me", undefined, { redirectOn401: false });
      await this.load();
    } catch (err) {
      if (err.status === 401) this.restoreJob = { ...this.restoreJob, signedOut: true };
    }
  },
  get restoreRunning() {
    return !!this.restoreJob && ["pending", "running"].includes(this.restoreJob.status);
  },
  get restoreProgressText() {
    const job = this.restoreJob;
    if (!job) return "";
    if (job.status === "pending") return "Waiting for the task runner to start the restore…";
    if (job.status === "running") return "Restoring: making the restore point, replacing the data, checking the files…";
    return "";
  },
  get signInAgainUrl() {
    const id = this.restoreJob && this.restoreJob.restore_id;
    return "/sign-in?next=" + encodeURIComponent(id ? `/#/backups?restore=${id}` : "/#/backups");
  },
  /** restored_from is a backup's id or an uploaded file's name: the backup's file name reads better. */
  sourceName(restoredFrom) {
    const backup = this.items.find((b) => b.id === restoredFrom);
    return backup ? `${backup.filename} (${this.when(backup)})` : restoredFrom;
  },
  get restoredFromText() {
    const result = this.restoreResult;
    if (!result) return "";
    const source = this.sourceName(result.restored_from);
    return `Restored from ${source}: ${result.files_restored} file(s) restored, ${result.files_skipped} already present.`;
  },
  get restorePointText() {
    const result = this.restoreResult;
    if (!result || !result.restore_point_id) return "";
    const point = this.items.find((b) => b.id === result.restore_point_id);
    return point ? `Restore point: the full backup of ${this.when(point)} (${point.filename}).` : "A restore point was made.";
  },
  /** Undo: restore the restore point this restore made. */
  undoRestore() {
    const point = this.items.find((b) => b.id === this.restoreResult.restore_point_id);
    if (point) this.askRestore(point);
  },
  get canUndo() {
    return !!this.restoreResult && this.items.some((b) => b.id === this.restoreResult.restore_point_id);
  },
  /** #/backups?restore=<id> (after signing in again): show how that restore ended. */
  resumeRestore() {
    const id = window.SpendsApp.parseHash().params.get("restore");
    if (id && /^[0-9a-f-]{36}$/i.test(id)) this.followRestore(id);
  },
};

function restoreState() {
  const state = {
    restoreSource: null,
    restoreUnderstood: false,
    allowForeign: false,
    foreignWarning: "",
    restoreBusy: false,
    restoreJob: null,
    restoreResult: null,
    restoreError: "",
  };
  return window.SpendsApp.compose(state, restoreMethods);
}

window.SpendsApp.restoreState = restoreState;
