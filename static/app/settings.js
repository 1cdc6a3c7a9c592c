/* Spends Tracker web dashboard: the Settings screen (templates/app/screens/settings.html): the profile (email, home
 * currency), reminders (on/off, lead days, digest, the private calendar URL), API tokens (create, shown once; list;
 * revoke) and the household (the Household screen's component, household.js, in a section of its own).
 *
 * Profile, reminders and tokens are the caller's own (API.md: any role may change them, a viewer too); what belongs
 * to the household is changed on the Household screen, which hides its write buttons from those who may not use them.
 */
const api = window.SpendsApi;

/** "30, 7 1" → [30, 7, 1]; null when a part is not a whole number. */
function parseLeadDays(text) {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (!parts.every((part) => /^\d+$/.test(part))) return null;
  return parts.map(Number);
}

/** Every message under an error node: a list field's errors come keyed by position ({"0": ["…"]}). */
function allMessages(node) {
  if (!node) return [];
  if (typeof node === "string") return [node];
  return Object.values(node).flatMap(allMessages);
}

/** Copy text to the clipboard; falls back to selecting an input and the old copy command. */
async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (exc) {
    if (!input) return false;
    input.select();
    return document.execCommand("copy");
  }
}

const profileSection = () => ({
  profile: { email: "", home_currency: "" },
  profileErrors: {},
  profileBusy: false,
  savedCurrency: "",

  profileError(field) {
    return api.fieldErrors(this.profileErrors, field);
  },
  showProfile(user) {
    this.profile = { email: user.email || "", home_currency: user.home_currency || "" };
    this.savedCurrency = user.home_currency || "";
  },
  get currencyHelp() {
    return this.canChangeCurrency
      ? "Your household's: a three-letter code such as EUR. Every member's totals over several currencies are converted to it."
      : "Your household's: every member's totals are converted to it. Only an owner changes it.";
  },
  /** The home currency is the household's: only an owner changes it (API.md § Currencies). */
  get canChangeCurrency() {
    const household = window.Alpine.store("ui").household;
    return !!household && household.my_role === "OWNER";
  },
  async saveProfile() {
    this.profileBusy = true;
    this.profileErrors = {};
    try {
      const body = { email: this.profile.email.trim() };
      const currency = this.profile.home_currency.trim().toUpperCase();
      if (currency !== this.savedCurrency) body.home_currency = currency; // only an owner may send a change
      const user = await api.patch("/api/auth/me", body);
      Object.assign(window.Alpine.store("ui"), { user });
      this.showProfile(user);
      window.Alpine.store("ui").notify("Profile saved.");
      await this.loadReminders(); // the reminders' address may be the account's
    } catch (err) {
      this.profileErrors = { non_field_errors: [err.detail], ...err.errors };
    } finally {
      this.profileBusy = false;
    }
  },
});

const reminderSection = () => ({
  reminders: { enabled: true, email: "", leadDays: "30, 7, 1", digest: true },
  reminderErrors: {},
  remindersBusy: false,
  calendarUrl: null,

  reminderError(field) {
    return allMessages(this.reminderErrors[field]).join(" ");
  },
  /** Reminders are on but go nowhere: send_reminders skips such a user, so say so here. */
  get noReminderAddress() {
    return this.remindersLoaded && this.reminders.enabled && !this.reminders.email.trim();
  },
  async loadReminders() {
    const [prefs, calendar] = await Promise.all([
      api.get("/api/reminders/settings"),
      api.get("/api/reminders/calendar-token"),
    ]);
    this.reminders = {
      enabled: prefs.enabled,
      email: prefs.email || "",
      leadDays: prefs.lead_days.join(", "),
      digest: prefs.digest,
    };
    this.remindersLoaded = true;
    this.calendarUrl = calendar.calendar_url;
  },
  async saveReminders() {
    const leadDays = parseLeadDays(this.reminders.leadDays);
    if (leadDays === null) {
      this.reminderErrors = { lead_days: ["Lead days are whole numbers of days, such as 30, 7, 1."] };
      return;
    }
    const email = this.reminders.email.trim();
    const account = (window.Alpine.store("ui").user || {}).email || "";
    const body = {
      enabled: this.reminders.enabled,
      email: email === account ? "" : email, // the account's address: keep following it
      lead_days: leadDays,
      digest: this.reminders.digest,
    };
    this.remindersBusy = true;
    this.reminderErrors = {};
    try {
      await api.put("/api/reminders/settings", body);
      await this.loadReminders();
      window.Alpine.store("ui").notify("Reminder settings saved.");
    } catch (err) {
      this.reminderErrors = { non_field_errors: [err.detail], ...err.errors };
    } finally {
      this.remindersBusy = false;
    }
  },
  async newCalendarUrl() {
    const ui = window.Alpine.store("ui");
    if (this.calendarUrl) {
      const question = "Make a new calendar URL? Calendars subscribed to the current one stop getting updates.";
      if (!(await ui.ask(question, "Make a new one"))) return;
    }
    try {
      this.calendarUrl = (await api.post("/api/reminders/calendar-token")).calendar_url;
      ui.notify("A new calendar URL is ready. Subscribe to it in your calendar app.");
    } catch (err) {
      ui.notify(err.detail, "error");
    }
  },
  async copyCalendarUrl() {
    const copied = await copyText(this.calendarUrl, document.getElementById("calendar-url"));
    window.Alpine.store("ui").notify(copied ? "Calendar URL copied." : "Select the URL and copy it.", copied ? "success" : "info");
  },
});

const tokenSection = () => ({
  tokens: [],
  tokenName: "",
  tokenErrors: {},
  tokenBusy: false,
  newToken: null,

  tokenError(field) {
    return api.fieldErrors(this.tokenErrors, field);
  },
  async loadTokens() {
    this.tokens = (await api.get("/api/auth/tokens", { limit: 100 })).items;
  },
  async createToken() {
    this.tokenBusy = true;
    this.tokenErrors = {};
    try {
      this.newToken = await api.post("/api/auth/tokens", { name: this.tokenName.trim() });
      this.tokenName = "";
      await this.loadTokens();
    } catch (err) {
      this.tokenErrors = { non_field_errors: [err.detail], ...err.errors };
    } finally {
      this.tokenBusy = false;
    }
  },
  async copyNewToken() {
    const copied = await copyText(this.newToken.token, document.getElementById("new-token"));
    window.Alpine.store("ui").notify(copied ? "Token copied." : "Select the token and copy it.", copied ? "success" : "info");
  },
  async revokeToken(token) {
    const ui = window.Alpine.store("ui");
    const label = token.name || "this unnamed token";
    if (!(await ui.ask(`Revoke ${label}? Scripts and apps using it stop working at once.`, "Revoke"))) return;
    try {
      await api.del(`/api/auth/tokens/${token.id}`);
      if (this.newToken && this.newToken.id === token.id) this.newToken = null;
      ui.notify(`Token ${token.name || ""} revoked.`.replace("  ", " "));
      await this.loadTokens();
    } catch (err) {
      ui.notify(err.detail, "error");
    }
  },
});

function settings() {
  const { compose } = window.SpendsApp;
  const state = {
    loading: false,
    error: "",
    remindersLoaded: false,

    async init() {
      this.loading = true;
      try {
        const user = await api.get("/api/auth/me");
        Object.assign(window.Alpine.store("ui"), { user });
        this.showProfile(user);
        await Promise.all([this.loadReminders(), this.loadTokens()]);
      } catch (err) {
        this.error = err.detail;
      } finally {
        this.loading = false;
      }
    },
  };
  return compose(state, profileSection(), reminderSection(), tokenSection());
}

document.addEventListener("alpine:init", () => window.Alpine.data("settings", settings));
