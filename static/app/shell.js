/* Spends Tracker web dashboard: the app shell (templates/app/shell.html): the signed-in user, which screen the hash
 * names, the menu and signing out. Each screen's component is in a file of its own.
 */
const api = window.SpendsApi;
const { parseHash } = window.SpendsApp;

const TITLES = {
  dashboard: "Dashboard",
  purchases: "Purchases",
  purchase: "Purchase",
  warranties: "Warranties",
  transfer: "Import and export",
  backups: "Backups",
  household: "Household",
  settings: "Settings",
};

function shell() {
  const Alpine = window.Alpine;
  return {
    screen: parseHash().screen,
    menuOpen: false,

    async init() {
      this.route();
      try {
        const [user, household] = await Promise.all([api.get("/api/auth/me"), api.get("/api/household")]);
        Object.assign(Alpine.store("ui"), { user, household });
      } catch (err) {
        if (err.status !== 401) Alpine.store("ui").notify(err.detail, "error");
      }
    },
    route() {
      this.screen = parseHash().screen;
      this.menuOpen = false;
      document.title = `${TITLES[this.screen]} · Spends Tracker`;
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
  };
}

document.addEventListener("alpine:init", () => window.Alpine.data("shell", shell));
