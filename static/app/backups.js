/* Spends Tracker web dashboard: the Backups screen (templates/app/screens/backups.html, superusers only): the list,
 * the last successful backup, and making a backup, which runs as a background task this screen polls.
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

function backups() {
  const ui = () => window.Alpine.store("ui");
  return {
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
    },
    async load() {
      this.loading = true;
      this.error = "";
      try {
        const [list, status] = await Promise.all([api.get("/api/backup/list", { limit: 50 }), api.get("/api/backup/status")]);
        this.items = list.items;
        this.total = list.total;
        this.lastSuccessful = status.last_successful;
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
  };
}

document.addEventListener("alpine:init", () => window.Alpine.data("backups", backups));
