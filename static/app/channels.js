/* Spends Tracker web dashboard: the Channels section of Settings (templates/app/screens/channels.html): the
 * signed-in user's notification channels (API.md § Version 2 → Notification channels): add one, send a test,
 * switch it on or off, delete it, and see its last error. A webhook's signing secret is shown once, after adding.
 * Include the fragment anywhere (a Settings screen, or its own #/settings/channels route); it loads on its own.
 */
const api = window.SpendsApi;

// The Alpine CSP build evaluates no arrow functions or destructuring in templates: plain objects and methods here.
const EVENTS = [
  { value: "warranty.expiring", label: "Warranty ends soon" },
  { value: "return.closing", label: "Return window closes soon" },
  { value: "purchase.created", label: "Purchase added" },
  { value: "purchase.updated", label: "Purchase changed" },
  { value: "purchase.deleted", label: "Purchase deleted" },
  { value: "backup.failed", label: "Backup failed (superusers)" },
];

const PLACEHOLDERS = {
  APPRISE: "ntfys://ntfy.sh/my-private-topic",
  WEBHOOK: "https://example.com/hooks/spends",
  EMAIL: "me@example.com",
};

function blankForm() {
  return { kind: "APPRISE", target: "", events: ["warranty.expiring", "return.closing"], enabled: true };
}

function channels() {
  const ui = () => window.Alpine.store("ui");
  return {
    events: EVENTS,
    items: [],
    loading: false,
    loaded: false,
    saving: false,
    busy: "",
    error: "",
    errors: {},
    secret: "",
    form: blankForm(),

    init() {
      this.load();
    },
    fieldError(name) {
      return api.fieldErrors(this.errors, name);
    },
    placeholder() {
      return PLACEHOLDERS[this.form.kind];
    },
    eventsText(channel) {
      return channel.events.map((name) => (EVENTS.find((e) => e.value === name) || { label: name }).label).join(", ");
    },
    async load() {
      this.loading = true;
      this.error = "";
      try {
        this.items = await api.all("/api/notifications/channels");
      } catch (err) {
        this.error = err.detail;
      } finally {
        this.loading = false;
        this.loaded = true;
      }
    },
    async add() {
      this.saving = true;
      this.errors = {};
      this.secret = "";
      try {
        const created = await api.post("/api/notifications/channels", this.form);
        this.secret = created.secret || "";
        this.form = blankForm();
        ui().notify("Channel added.");
        await this.load();
      } catch (err) {
        this.errors = err.errors;
        if (!Object.keys(this.errors).length) this.error = err.detail;
      } finally {
        this.saving = false;
      }
    },
    async test(channel) {
      this.busy = channel.id;
      try {
        await api.post(`/api/notifications/channels/${channel.id}/test`, undefined);
        ui().notify("Test message delivered.");
      } catch (err) {
        ui().notify(`Not delivered: ${err.detail}`, "error");
      } finally {
        this.busy = "";
        await this.load();
      }
    },
    async toggle(channel) {
      this.busy = channel.id;
      try {
        await api.patch(`/api/notifications/channels/${channel.id}`, { enabled: !channel.enabled });
        await this.load();
      } catch (err) {
        ui().notify(err.detail, "error");
      } finally {
        this.busy = "";
      }
    },
    async remove(channel) {
      if (!window.confirm(`Delete the channel ${channel.target}?`)) return;
      this.busy = channel.id;
      try {
        await api.del(`/api/notifications/channels/${channel.id}`);
        ui().notify("Channel deleted.");
        await this.load();
      } catch (err) {
        ui().notify(err.detail, "error");
      } finally {
        this.busy = "";
      }
    },
  };
}

document.addEventListener("alpine:init", () => window.Alpine.data("channels", channels));
