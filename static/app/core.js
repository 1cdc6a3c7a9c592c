/* Spends Tracker web dashboard: what every page shares. Formatting in the user's locale, hash routing, the pieces the
 * screens are made of (compose, the paginated list) and, on `alpine:init`, the `$fmt` magic and the `ui` store
 * (toasts, the confirmation dialog, the signed-in user).
 *
 * Every file under static/app/ is a plain script; the screen files (dashboard.js, purchases.js, …) register their
 * Alpine components on `alpine:init` and take the shared pieces from window.SpendsApp, which this file sets.
 * All data come from the REST API through window.SpendsApi; user data are only ever rendered with x-text.
 * Alpine is its CSP build: an expression in a template may only read properties, call methods and use simple operators
 * (no arrow functions, `??`, `;`-separated statements or globals such as window); anything more is a method in the
 * screen's file.
 */
const api = window.SpendsApi;

/* ------------------------------------------------------------------ formatting (the user's locale) */

const moneyFormats = new Map();

function moneyFormat(currency, compact) {
  const key = `${currency}|${compact ? "c" : ""}`;
  if (!moneyFormats.has(key)) {
    let format;
    try {
      format = new Intl.NumberFormat(undefined, {
        style: "currency",
        currency,
        ...(compact ? { notation: "compact", maximumFractionDigits: 1 } : {}),
      });
    } catch (exc) {
      format = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    moneyFormats.set(key, format);
  }
  return moneyFormats.get(key);
}

const fmt = {
  money(amount, currency, { compact = false } = {}) {
    if (amount === null || amount === undefined || amount === "") return "—";
    return moneyFormat(currency || "USD", compact).format(Number(amount));
  },
  /** "YYYY-MM-DD" as a local calendar date (never shifted by the time zone). */
  date(value) {
    if (!value) return "—";
    const [year, month, day] = value.split("-").map(Number);
    return new Date(year, month - 1, day).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
  },
  dateTime(value) {
    if (!value) return "—";
    return new Date(value).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  },
  number(value) {
    return value === null || value === undefined ? "—" : new Intl.NumberFormat().format(value);
  },
  percent(value) {
    return new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(value) + " %";
  },
  bytes(size) {
    if (size === null || size === undefined) return "—";
    const units = ["bytes", "KB", "MB", "GB"];
    let value = size;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${new Intl.NumberFormat(undefined, { maximumFractionDigits: unit ? 1 : 0 }).format(value)} ${units[unit]}`;
  },
  days(value) {
    if (value === null || value === undefined) return "—";
    if (value === 0) return "today";
    return value === 1 ? "1 day" : `${new Intl.NumberFormat().format(value)} days`;
  },
  label(value) {
    return value ? value.charAt(0) + value.slice(1).toLowerCase().replace(/_/g, " ") : "";
  },
};

function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/* ------------------------------------------------------------------ hash routing: #/screen?key=value */

const SCREENS = ["dashboard", "purchases", "warranties", "transfer", "backups", "household", "settings"];

/** The screen the hash names; `#/purchases/{id}` is the "purchase" screen (one purchase's page) with that `id`. */
function parseHash() {
  const raw = window.location.hash.replace(/^#\/?/, "");
  const [path, search] = raw.split("?");
  const params = new URLSearchParams(search || "");
  const page = /^purchases\/([0-9a-fA-F-]{1,64})\/?$/.exec(path);
  if (page) return { screen: "purchase", id: page[1], params };
  const screen = SCREENS.includes(path) ? path : "dashboard";
  return { screen, params };
}

/** Where a purchase's page is: the target of every link to a purchase (lists, dashboard, emails, calendar). */
function purchaseHref(id) {
  return `#/purchases/${id}`;
}

/** Put a screen's state in the URL (a new history entry, so Back works) without re-routing. */
function writeHash(screen, values) {
  const search = api.query(values);
  const target = `#/${screen}${search}`;
  if (window.location.hash !== target) window.history.pushState(null, "", target);
}

function readParams(keys, defaults) {
  const { params } = parseHash();
  const values = { ...defaults };
  for (const key of keys) if (params.has(key)) values[key] = params.get(key);
  return values;
}

/** One object from several, keeping getters as getters (object spread would freeze them into values). */
function compose(...parts) {
  const target = {};
  for (const part of parts) Object.defineProperties(target, Object.getOwnPropertyDescriptors(part));
  return target;
}

/* ------------------------------------------------------------------ a paginated list whose filters live in the URL */

/** The list's methods; its state comes from listState(). */
const listMethods = {
  init() {
    this.readHash();
    this.load();
  },
  /** Back, Forward or a link to this screen with other filters: show what the URL says. */
  onHashChange() {
    if (parseHash().screen !== this.screen) return;
    this.readHash();
    this.load();
  },
  readHash() {
    const values = readParams([...Object.keys(this.filterDefaults), "page"], { ...this.filterDefaults, page: "1" });
    this.page = Math.max(1, parseInt(values.page, 10) || 1);
    delete values.page;
    this.filters = values;
  },
  writeHash() {
    writeHash(this.screen, { ...this.filters, page: this.page > 1 ? this.page : "" });
  },
  apply() {
    this.page = 1;
    this.writeHash();
    this.load();
  },
  goTo(page) {
    this.page = page;
    this.writeHash();
    this.load();
  },
  resetFilters() {
    this.filters = { ...this.filterDefaults };
    this.apply();
  },
  get pages() {
    // A search's total stops at 1,000 (total_exact false, API.md § Pagination): one more page while rows follow.
    const counted = Math.ceil(this.total / this.limit);
    return Math.max(1, this.totalExact === false ? Math.max(counted, this.page) + 1 : counted);
  },
  get rangeText() {
    if (!this.total) return "";
    const first = (this.page - 1) * this.limit + 1;
    const more = this.totalExact === false; // a capped search count: at least this many
    const last = more ? this.page * this.limit : Math.min(this.total, this.page * this.limit);
    const total = more ? `${fmt.number(Math.max(this.total, last))}+` : fmt.number(this.total);
    return `${fmt.number(first)}–${fmt.number(last)} of ${total}`;
  },
  get filtered() {
    const defaults = this.filterDefaults;
    return Object.keys(defaults).some((key) => key !== "ordering" && this.filters[key] !== defaults[key]);
  },
  filterError(field) {
    return api.fieldErrors(this.filterErrors, field);
  },
  async fetchPage(path, params) {
    const seq = ++this._seq;
    this.loading = true;
    this.error = "";
    this.filterErrors = {};
    try {
      const data = await api.get(path, { ...params, skip: (this.page - 1) * this.limit, limit: this.limit });
      if (seq !== this._seq) return; // a newer request is on its way
      this.items = data.items;
      this.total = data.total;
      this.totalExact = data.total_exact !== false;
      if (!this.totalExact && data.items.length < this.limit && data.items.length) {
        this.total = (this.page - 1) * this.limit + data.items.length; // the last page: the whole count is known
        this.totalExact = true;
      }
      if (!data.items.length && this.page > 1 && data.total) {
        this.page = Math.max(1, Math.ceil(data.total / this.limit)); // a bookmarked page past the end: the last counted
        this.writeHash();
        return this.load();
      }
    } catch (err) {
      if (seq !== this._seq) return;
      this.items = [];
      this.total = 0;
      this.filterErrors = err.errors || {};
      this.error = err.detail;
    } finally {
      if (seq === this._seq) {
        this.loading = false;
        this.loaded = true;
      }
    }
  },
};

/** Mixin: a paginated list of `screen` with these filters (their defaults); the screen adds load(). */
function listState(screen, filterDefaults) {
  const state = {
    screen,
    filterDefaults,
    filters: { ...filterDefaults },
    page: 1,
    limit: 20,
    items: [],
    total: 0,
    totalExact: true,
    loading: false,
    loaded: false,
    error: "",
    filterErrors: {},
    _seq: 0,
  };
  return compose(state, listMethods);
}

/* ------------------------------------------------------------------ the ui store: user, toasts, confirmation */

const uiStore = {
  user: null,
  household: null,
  /** False for a VIEWER: the screens hide what would only answer 403 (the API refuses it anyway). */
  get canWrite() {
    return !this.household || this.household.my_role !== "VIEWER";
  },
  toasts: [],
  confirmMessage: "",
  confirmLabel: "Delete",
  _resolve: null,
  _next: 1,

  notify(message, kind = "success") {
    const id = this._next++;
    this.toasts.push({ id, message, kind });
    window.setTimeout(() => this.dismiss(id), kind === "error" ? 10000 : 5000);
  },
  dismiss(id) {
    this.toasts = this.toasts.filter((toast) => toast.id !== id);
  },
  /** A confirmation in the app's own <dialog>; resolves true or false. */
  ask(message, confirmLabel = "Delete") {
    this.confirmMessage = message;
    this.confirmLabel = confirmLabel;
    const dialog = document.getElementById("confirm-dialog");
    dialog.showModal();
    return new Promise((resolve) => {
      this._resolve = resolve;
    });
  },
  answer(value) {
    const dialog = document.getElementById("confirm-dialog");
    if (dialog.open) dialog.close();
    if (this._resolve) this._resolve(value);
    this._resolve = null;
  },
};

document.addEventListener("alpine:init", () => {
  window.Alpine.magic("fmt", () => fmt);
  window.Alpine.store("ui", uiStore);
});

/** The shared pieces for the screen files; purchase_dialog.js and attachments.js add their mixins here. */
window.SpendsApp = { fmt, today, parseHash, writeHash, compose, listState, purchaseHref };
