/* Spends Tracker web dashboard: the sign-in page's component (templates/app/sign_in.html). */
const api = window.SpendsApi;

function signIn() {
  return {
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
  };
}

document.addEventListener("alpine:init", () => window.Alpine.data("signIn", signIn));
