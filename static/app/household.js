/* Spends Tracker web dashboard: the Household screen (templates/app/screens/household.html): who shares the records
 * and in which role, renaming, invites (owners), joining with a code, and leaving. API.md § Households.
 */
const api = window.SpendsApi;

const ROLE_TEXT = {
  OWNER: "Owner: everything, including members and invites",
  EDITOR: "Editor: reads and changes records",
  VIEWER: "Viewer: reads, exports and downloads",
};

function household() {
  const ui = () => window.Alpine.store("ui");
  return {
    data: null,
    invites: [],
    loading: false,
    error: "",
    errors: {},
    name: "",
    inviteRole: "EDITOR",
    newInvite: null,
    joinCode: "",
    bringData: false,
    busy: false,
    roleText: ROLE_TEXT,

    init() {
      this.load();
    },
    get isOwner() {
      return !!this.data && this.data.my_role === "OWNER";
    },
    get me() {
      const user = ui().user;
      return user && this.data ? this.data.members.find((m) => m.username === user.username) : null;
    },
    fieldError(field) {
      return api.fieldErrors(this.errors, field);
    },
    async load() {
      this.loading = true;
      this.error = "";
      try {
        this.data = await api.get("/api/household");
        ui().household = this.data;
        this.name = this.data.name;
        this.invites = this.isOwner ? await api.get("/api/household/invites") : [];
        if (this.invites && this.invites.items) this.invites = this.invites.items;
      } catch (err) {
        this.error = err.detail;
      } finally {
        this.loading = false;
      }
    },
    async run(action, done) {
      this.busy = true;
      this.error = "";
      this.errors = {};
      try {
        const result = await action();
        if (done) done(result);
        await this.load();
      } catch (err) {
        this.errors = err.errors || {};
        this.error = err.detail;
      } finally {
        this.busy = false;
      }
    },
    rename() {
      return this.run(() => api.patch("/api/household", { name: this.name }), () => ui().notify("Household renamed."));
    },
    invite() {
      return this.run(
        () => api.post("/api/household/invites", { role: this.inviteRole }),
        (invite) => {
          this.newInvite = invite;
        },
      );
    },
    async withdraw(invite) {
      if (!(await ui().ask("Withdraw this invite? Its code stops working.", "Withdraw"))) return;
      return this.run(() => api.del(`/api/household/invites/${encodeURIComponent(invite.code.replace(/…$/, ""))}`));
    },
    setRole(member, role) {
      return this.run(
        () => api.patch(`/api/household/members/${member.user_id}`, { role }),
        () => ui().notify(`${member.username} is now ${role.toLowerCase()}.`),
      );
    },
    async remove(member) {
      const leaving = this.me && member.user_id === this.me.user_id;
      const question = leaving
        ? "Leave this household? You get a new, empty household of your own; the records stay here."
        : `Remove ${member.username}? They get a new, empty household of their own; the records stay here.`;
      if (!(await ui().ask(question, leaving ? "Leave" : "Remove"))) return;
      return this.run(
        () => api.del(`/api/household/members/${member.user_id}`),
        () => ui().notify(leaving ? "You left the household." : `${member.username} was removed.`),
      );
    },
    join() {
      return this.run(
        () => api.post("/api/household/join", { code: this.joinCode.trim(), bring_data: this.bringData }),
        (joined) => {
          this.joinCode = "";
          const moved = joined.moved && joined.moved.purchases ? ` ${joined.moved.purchases} purchase(s) moved with you.` : "";
          ui().notify(`You joined ${joined.name}.${moved}`);
        },
      );
    },
  };
}

document.addEventListener("alpine:init", () => window.Alpine.data("household", household));
