/* Spends Tracker web dashboard: the Warranties screen (templates/app/screens/warranties.html), a filtered, paginated
 * list of every coverage with an "expiring soon" switch; each row opens its claims (claims.js).
 */
const { compose, listState } = window.SpendsApp;

const WARRANTY_FILTERS = { search: "", status: "", warranty_type: "", expiring: "", ordering: "" };

const warrantyListMethods = {
  load() {
    const { expiring, ...rest } = this.filters;
    const params = expiring ? { ...rest, expiring_soon: "true", days: 30 } : rest;
    return this.fetchPage("/api/warranties", params);
  },
  toggleExpiring(checked) {
    this.filters.expiring = checked ? "30" : "";
    this.apply();
  },
};

function warranties() {
  return compose(listState("warranties", WARRANTY_FILTERS), warrantyListMethods, window.SpendsApp.claims());
}

document.addEventListener("alpine:init", () => window.Alpine.data("warranties", warranties));
