/* Spends Tracker web dashboard: formatting, hash routing and the Alpine.js components of every screen.
 *
 * Loaded before Alpine (both deferred, this one first), so the components are registered on `alpine:init`.
 * All data come from the REST API through window.SpendsApi; user data are only ever rendered with x-text.
 * Alpine is its CSP build: an expression in a template may only read properties, call methods and use simple operators
 * (no arrow functions, `??`, `;`-separated statements or globals such as window); anything more is a method here.
 */
(function () {
  "use strict";

  const api = window.SpendsApi;
  const charts = window.SpendsCharts;

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

  const SCREENS = ["dashboard", "purchases", "warranties", "transfer", "backups"];

  function parseHash() {
    const raw = window.location.hash.replace(/^#\/?/, "");
    const [path, search] = raw.split("?");
    const screen = SCREENS.includes(path) ? path : "dashboard";
    return { screen, params: new URLSearchParams(search || "") };
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

  /** Mixin: a paginated list whose filters live in the URL. */
  function listState(screen, filterDefaults) {
    const keys = Object.keys(filterDefaults);
    return {
      screen,
      filters: { ...filterDefaults },
      page: 1,
      limit: 20,
      items: [],
      total: 0,
      loading: false,
      loaded: false,
      error: "",
      filterErrors: {},
      _seq: 0,

      readHash() {
        const values = readParams([...keys, "page"], { ...filterDefaults, page: "1" });
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
        this.filters = { ...filterDefaults };
        this.apply();
      },
      get pages() {
        return Math.max(1, Math.ceil(this.total / this.limit));
      },
      get rangeText() {
        if (!this.total) return "";
        const first = (this.page - 1) * this.limit + 1;
        const last = Math.min(this.total, this.page * this.limit);
        return `${fmt.number(first)}–${fmt.number(last)} of ${fmt.number(this.total)}`;
      },
      get filtered() {
        return keys.some((key) => key !== "ordering" && this.filters[key] !== filterDefaults[key]);
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
          if (!data.items.length && this.page > 1 && data.total) {
            this.page = this.pages; // a bookmarked page past the end: show the last one
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
  }

  /* ------------------------------------------------------------------ Alpine */

  document.addEventListener("alpine:init", () => {
    const Alpine = window.Alpine;

    Alpine.magic("fmt", () => fmt);

    Alpine.store("ui", {
      user: null,
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
    });

    /* ---------------------------------------------------------------- sign-in page */
    Alpine.data("signIn", () => ({
      username: "",
      password: "",
      busy: false,
      error: "",
      errors: {},

      fieldError(field) {
        return api.fieldErrors(this.errors, field);
      },
      /** Where to go after signing in: the server's checked `next` (data-next), and only if it stays on this origin. */
      nextUrl() {
        const origin = window.location.origin;
        let target;
        try {
          target = new URL(this.$root.dataset.next || "/", origin); // resolved as the browser will (tabs, "\", "..")
        } catch (exc) {
          target = null;
        }
        if (!target || target.origin !== origin || target.pathname.startsWith("//")) target = new URL("/", origin);
        if (!target.hash) target.hash = window.location.hash; // /sign-in#/purchases: back to that screen
        return target.href; // absolute, so nothing is re-read relative to the page
      },
      async submit() {
        this.busy = true;
        this.error = "";
        this.errors = {};
        try {
          await api.post("/api/auth/login", { username: this.username, password: this.password }, { redirectOn401: false });
          window.location.assign(this.nextUrl());
        } catch (err) {
          this.errors = err.errors;
          this.error = api.fieldErrors(err.errors, "non_field_errors") || (Object.keys(err.errors).length ? "" : err.detail);
          this.busy = false;
          this.$nextTick(() => this.$root.querySelector("[aria-invalid=true], #sign-in-username").focus());
        }
      },
    }));

    /* ---------------------------------------------------------------- the shell: user, navigation, sign out */
    Alpine.data("shell", () => ({
      screen: parseHash().screen,
      menuOpen: false,

      async init() {
        this.route();
        try {
          Alpine.store("ui").user = await api.get("/api/auth/me");
        } catch (err) {
          if (err.status !== 401) Alpine.store("ui").notify(err.detail, "error");
        }
      },
      route() {
        this.screen = parseHash().screen;
        this.menuOpen = false;
        const titles = {
          dashboard: "Dashboard",
          purchases: "Purchases",
          warranties: "Warranties",
          transfer: "Import and export",
          backups: "Backups",
        };
        document.title = `${titles[this.screen]} · Spends Tracker`;
      },
      async signOut() {
        try {
          await api.post("/api/auth/logout", undefined, { redirectOn401: false });
        } catch (err) {
          if (err.status !== 401) {
            Alpine.store("ui").notify(err.detail, "error");
            return;
          }
        }
        window.location.assign("/sign-in");
      },
    }));

    /* ---------------------------------------------------------------- Dashboard: one GET /api/analytics/dashboard */
    Alpine.data("dashboard", () => ({
      data: null,
      width: window.innerWidth, // read by the chart effects, so a resize redraws them
      currency: parseHash().params.get("currency") || "",
      loading: false,
      error: "",

      init() {
        this.load();
      },
      async load() {
        this.loading = true;
        this.error = "";
        try {
          this.data = await api.get("/api/analytics/dashboard", { currency: this.currency });
          this.currency = this.data.summary.currency;
        } catch (err) {
          this.error = err.detail;
        } finally {
          this.loading = false;
        }
      },
      onResize() {
        this.width = window.innerWidth;
      },
      switchCurrency() {
        writeHash("dashboard", { currency: this.currency });
        this.load();
      },
      get empty() {
        return this.data && this.data.summary.currencies.length === 0;
      },
      money(amount) {
        return fmt.money(amount, this.data ? this.data.summary.currency : "USD");
      },
      drawSpending(el) {
        if (!this.data || !this.width) return;
        const currency = this.data.summary.currency;
        charts.spending(el, this.data.spending, (value, options) => fmt.money(value, currency, options));
      },
      drawWarranties(el) {
        if (this.data && this.width) charts.warranties(el, this.data.warranty_timeline);
      },
      /** Bar length for a top-retailer/brand row, relative to the largest row (the number shown is the share).
       * An object, so Alpine sets it through el.style (a style attribute would need 'unsafe-inline' styles). */
      barWidth(rows, row) {
        const max = Math.max(...rows.map((item) => Number(item.percentage)), 0);
        return { width: max > 0 ? `${(Number(row.percentage) / max) * 100}%` : "0" };
      },
      get spendingTotal() {
        return this.data ? this.data.spending.reduce((sum, row) => sum + Number(row.total_amount), 0) : 0;
      },
    }));

    /* ---------------------------------------------------------------- Purchases */
    const PURCHASE_FILTERS = { search: "", status: "", retailer_id: "", brand_id: "", date_from: "", date_to: "", ordering: "" };

    function blankPurchase() {
      return {
        product_name: "",
        price: "",
        currency_code: "",
        purchase_date: today(),
        status: "RECEIVED",
        retailer_name: "",
        brand_name: "",
        notes: "",
        has_warranty: false,
        warranty: { warranty_start: today(), warranty_end: "", warranty_type: "LIMITED", provider: "", status: "ACTIVE", notes: "" },
      };
    }

    Alpine.data("purchases", () => compose(listState("purchases", PURCHASE_FILTERS), {
      retailers: [],
      brands: [],
      // the add/edit dialog
      form: blankPurchase(),
      editing: null,
      formErrors: {},
      formError: "",
      saving: false,
      // the attachments dialog
      files: { purchase: null, items: [], loading: false, error: "", errors: {}, kind: "RECEIPT", uploading: false, dragging: false },

      init() {
        this.readHash();
        this.load();
        this.loadCatalog();
      },
      onHashChange() {
        if (parseHash().screen !== "purchases") return;
        this.readHash();
        this.load();
      },
      load() {
        return this.fetchPage("/api/purchases", this.filters);
      },
      async loadCatalog() {
        try {
          [this.retailers, this.brands] = await Promise.all([api.all("/api/retailers"), api.all("/api/brands")]);
        } catch (err) {
          Alpine.store("ui").notify(`Retailers and brands could not be loaded: ${err.detail}`, "error");
        }
      },

      /* add / edit / delete */
      err(field) {
        return api.fieldErrors(this.formErrors, field);
      },
      /** "Retailer · Brand", either alone, or a dash. */
      sources(purchase) {
        return [purchase.retailer_name, purchase.brand_name].filter(Boolean).join(" · ") || "—";
      },
      openNew() {
        this.editing = null;
        this.form = blankPurchase();
        this.openForm();
      },
      openEdit(purchase) {
        this.editing = purchase;
        const warranty = purchase.warranty;
        this.form = {
          product_name: purchase.product_name,
          price: purchase.price,
          currency_code: purchase.currency_code,
          purchase_date: purchase.purchase_date,
          status: purchase.status,
          retailer_name: purchase.retailer_name || "",
          brand_name: purchase.brand_name || "",
          notes: purchase.notes,
          has_warranty: !!warranty,
          warranty: warranty
            ? {
                warranty_start: warranty.warranty_start,
                warranty_end: warranty.warranty_end || "",
                warranty_type: warranty.warranty_type,
                provider: warranty.provider,
                status: warranty.status === "VOIDED" ? "VOIDED" : "ACTIVE",
                notes: warranty.notes,
              }
            : blankPurchase().warranty,
        };
        this.openForm();
      },
      openForm() {
        this.formErrors = {};
        this.formError = "";
        this.saving = false;
        this.$refs.purchaseDialog.showModal();
        this.$nextTick(() => this.$refs.productName.focus());
      },
      closeForm() {
        this.$refs.purchaseDialog.close();
      },
      /** The catalog id for a typed name: an existing one (any case), or a new retailer/brand made now. */
      async catalogId(kind, name) {
        const trimmed = name.trim();
        if (!trimmed) return null;
        const list = kind === "retailer" ? this.retailers : this.brands;
        const found = list.find((item) => item.name.toLowerCase() === trimmed.toLowerCase());
        if (found) return found.id;
        try {
          const created = await api.post(kind === "retailer" ? "/api/retailers" : "/api/brands", { name: trimmed });
          list.push(created);
          list.sort((a, b) => a.name.localeCompare(b.name));
          return created.id;
        } catch (err) {
          const messages = api.fieldErrors(err.errors, "name") || err.detail;
          throw new api.ApiError(400, { detail: "Please correct the marked fields.", errors: { [`${kind}_name`]: [messages] } });
        }
      },
      payload(retailerId, brandId) {
        const form = this.form;
        const body = {
          product_name: form.product_name,
          price: form.price === "" || form.price === null ? "" : String(form.price),
          purchase_date: form.purchase_date,
          status: form.status,
          retailer_id: retailerId,
          brand_id: brandId,
          notes: form.notes,
        };
        if (form.currency_code.trim()) body.currency_code = form.currency_code.trim();
        if (form.has_warranty) {
          body.warranty = { ...form.warranty, warranty_end: form.warranty.warranty_end || null };
        } else if (this.editing) {
          body.warranty = null; // unticked: remove the warranty
        }
        return body;
      },
      async save() {
        this.saving = true;
        this.formErrors = {};
        this.formError = "";
        try {
          const retailerId = await this.catalogId("retailer", this.form.retailer_name);
          const brandId = await this.catalogId("brand", this.form.brand_name);
          const body = this.payload(retailerId, brandId);
          const saved = this.editing
            ? await api.put(`/api/purchases/${this.editing.id}`, body)
            : await api.post("/api/purchases", body);
          this.closeForm();
          Alpine.store("ui").notify(`${this.editing ? "Saved" : "Added"} “${saved.product_name}”.`);
          this.load();
        } catch (err) {
          this.formErrors = err.errors;
          const general = [api.fieldErrors(err.errors, "non_field_errors"), api.fieldErrors(err.errors, "warranty.non_field_errors")]
            .filter(Boolean)
            .join(" ");
          const fields = Object.keys(err.errors).filter((key) => key !== "non_field_errors");
          this.formError = general || (fields.length ? "Please correct the marked fields." : err.detail);
          this.$nextTick(() => {
            const invalid = this.$refs.purchaseDialog.querySelector("[aria-invalid=true]");
            if (invalid) invalid.focus();
          });
        } finally {
          this.saving = false;
        }
      },
      async remove(purchase) {
        const ok = await Alpine.store("ui").ask(`Delete “${purchase.product_name}”, its warranty and its attachments?`);
        if (!ok) return;
        try {
          await api.del(`/api/purchases/${purchase.id}`);
          Alpine.store("ui").notify(`Deleted “${purchase.product_name}”.`);
          this.load();
        } catch (err) {
          Alpine.store("ui").notify(err.detail, "error");
        }
      },

      /* attachments */
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
          const form = new FormData();
          form.append("file", file);
          form.append("kind", this.files.kind);
          try {
            await api.upload(`/api/purchases/${this.files.purchase.id}/attachments`, form);
          } catch (err) {
            const reason = api.fieldErrors(err.errors, "file") || api.fieldErrors(err.errors, "kind") || err.detail;
            failures.push(`${file.name}: ${reason}`);
          }
        }
        this.files.uploading = false;
        this.$refs.fileInput.value = "";
        if (failures.length) this.files.error = failures.join(" ");
        if (failures.length < chosen.length) Alpine.store("ui").notify(`Uploaded ${chosen.length - failures.length} file(s).`);
        await this.loadFiles();
        this.load(); // attachment counts
      },
      async removeFile(attachment) {
        const ok = await Alpine.store("ui").ask(`Delete the attachment “${attachment.filename}”?`);
        if (!ok) return;
        try {
          await api.del(`/api/attachments/${attachment.id}`);
          Alpine.store("ui").notify(`Deleted “${attachment.filename}”.`);
          await this.loadFiles();
          this.load();
        } catch (err) {
          this.files.error = err.detail;
        }
      },
    }));

    /* ---------------------------------------------------------------- Warranties */
    Alpine.data("warranties", () =>
      compose(listState("warranties", { search: "", status: "", warranty_type: "", expiring: "", ordering: "" }), {

      init() {
        this.readHash();
        this.load();
      },
      onHashChange() {
        if (parseHash().screen !== "warranties") return;
        this.readHash();
        this.load();
      },
      load() {
        const { expiring, ...rest } = this.filters;
        const params = expiring ? { ...rest, expiring_soon: "true", days: 30 } : rest;
        return this.fetchPage("/api/warranties", params);
      },
      toggleExpiring(checked) {
        this.filters.expiring = checked ? "30" : "";
        this.apply();
      },
    }));

    /* ---------------------------------------------------------------- Import and export */
    Alpine.data("transfer", () => ({
      file: null,
      onDuplicate: "skip",
      partial: false,
      report: null,
      reportFailed: false,
      checked: false,
      busy: false,
      error: "",
      errors: {},

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
      /** A report line's row number, or "File" for a problem with the whole file. */
      rowLabel(item) {
        return item.row ?? "File";
      },
      get format() {
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
        try {
          this.report = await api.upload(`/api/import/${this.format}`, form, params);
          this.reportFailed = false;
          this.checked = dryRun;
          if (!dryRun) {
            const r = this.report;
            Alpine.store("ui").notify(`Imported: ${r.created} created, ${r.updated} updated, ${r.skipped} skipped.`);
          }
        } catch (err) {
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
        } finally {
          this.busy = false;
        }
      },
    }));

    /* ---------------------------------------------------------------- Backups (superusers) */
    Alpine.data("backups", () => ({
      items: [],
      total: 0,
      loading: false,
      loaded: false,
      creating: false,
      error: "",
      lastSuccessful: null,

      init() {
        if (Alpine.store("ui").user && !Alpine.store("ui").user.is_superuser) return;
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
          let backup = await api.post("/api/backup/create", { kind });
          // The work runs as a background task: poll its status for up to two minutes.
          for (let i = 0; i < 120 && ["pending", "running"].includes(backup.status); i++) {
            await new Promise((resolve) => window.setTimeout(resolve, 1000));
            backup = await api.get("/api/backup/status", { id: backup.id });
          }
          if (backup.status === "succeeded") Alpine.store("ui").notify(`Backup ${backup.filename} is ready.`);
          else if (backup.status === "failed") this.error = `The backup failed: ${backup.error || "no reason given"}`;
          else Alpine.store("ui").notify("The backup is still running; refresh the list later.", "info");
        } catch (err) {
          this.error = err.detail;
        } finally {
          this.creating = false;
          this.load();
        }
      },
    }));
  });

})();
