/* Spends Tracker web dashboard: the Backups screen (templates/app/screens/backups.html, superusers only): the list,
 * the last successful backup, making a backup (a background task this screen polls), deleting one, the schedule, and
 * restoring (backup_restore.js).
 */
const api = window.SpendsApi;

/** Polls a backup's status once a second until it is done, for up to two minutes; the backup as last seen. */
async function waitFor(backup) {
  let current = backup;
  for (let i = 0; i < 120 && ["pending", "running"].includes(current.status); i++) {
    await new Promise((resolve) => window.setTimeout(resolve, 1000));
    current = await api.get("/api/backup/status", { id: current.id });
  }
  return current;
}

const scheduleSection = () => ({
  schedule: { enabled: false, frequency: "daily", keep_last: 7 },
  nextRunAt: null,
  scheduleErrors: {},
  scheduleBusy: false,

  scheduleError(field) {
    return api.fieldErrors(this.scheduleErrors, field);
  },
  async loadSchedule() {
    this.schedule = await api.get("/api/backup/settings");
  },
  async saveSchedule() {
    this.scheduleBusy = true;
    this.scheduleErrors = {};
    try {
      const body = { ...this.schedule, keep_last: Number(this.schedule.keep_last) };
      this.schedule = await api.put("/api/backup/settings", body);
      window.Alpine.store("ui").notify("Backup schedule saved.");
      await this.load();
    } catch (err) {
      this.scheduleErrors = { non_field_errors: [err.detail], ...err.errors };
    } finally {
      this.scheduleBusy = false;
    }
  },
});

function backups() {
  const ui = () => window.Alpine.store("ui");
  const { compose, restoreState } = window.SpendsApp;
  const state = {
    items: [],
    total: 0,
    loading: false,
    loaded: false,
    creating: false,
    error: "",
    lastSuccessful: null,

    init() {
      if (ui().user && !ui().user.is_superuser) return;
      this.load();
      this.loadSchedule().catch((err) => {
        this.error = err.detail;
      });
      this.resumeRestore();
    },
    async load() {
      this.loading = true;
      this.error = "";
      try {
        const [list, status] = await Promise.all([api.get("/api/backup/list", { limit: 50 }), api.get("/api/backup/status")]);
        this.items = list.items;
        this.total = list.total;
        this.lastSuccessful = status.last_successful;
        this.nextRunAt = status.schedule ? status.schedule.next_run_at : null;
      } catch (err) {
        this.error = err.detail;
      } finally {
        this.loading = false;
        this.loaded = true;
      }
    },
    async create(kind) {
      this.creating = true;
      this.error = "";
      try {
        const backup = await waitFor(await api.post("/api/backup/create", { kind }));
        if (backup.status === "succeeded") ui().notify(`Backup ${backup.filename} is ready.`);
        else if (backup.status === "failed") this.error = `The backup failed: ${backup.error || "no reason given"}`;
        else ui().notify("The backup is still running; refresh the list later.", "info");
      } catch (err) {
        this.error = err.detail;
      } finally {
        this.creating = false;
        this.load();
      }
    },
    async remove(backup) {
      const restorePoint = backup.is_restore_point ? " It is a restore point: without it that restore cannot be undone." : "";
      const question = `Delete the ${backup.kind} backup of ${this.when(backup)} (${backup.filename})? Its archive is deleted.${restorePoint}`;
      if (!(await ui().ask(question, "Delete backup"))) return;
      try {
        await api.del(`/api/backup/${backup.id}`);
        ui().notify(`Backup ${backup.filename} deleted.`);
      } catch (err) {
        this.error = err.detail;
      }
      await this.load();
    },
  };
  return compose(state, scheduleSection(), restoreState());
}

document.addEventListener("alpine:init", () => window.Alpine.data("backups", backups));
