/* Spends Tracker web dashboard: the one way the pages talk to the REST API (../shared/API.md).
 *
 * Same-origin fetch with the session cookie; JSON in and out; the CSRF header on every unsafe method;
 * every error turned into an ApiError {status, detail, code, errors, body}; a 401 sends the browser to sign-in.
 */
const SAFE_METHODS = ["GET", "HEAD", "OPTIONS"];

class ApiError extends Error {
  constructor(status, body) {
    const detail = (body && typeof body.detail === "string" && body.detail) || `Request failed (HTTP ${status}).`;
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.code = (body && body.code) || (status === 0 ? "network_error" : "error");
    // Validation errors: {field: [messages]}, nested objects for nested serializers (warranty).
    // The import report's row errors are a list instead; they stay in `body`.
    this.errors = body && body.errors && !Array.isArray(body.errors) ? body.errors : {};
    this.body = body || null;
  }
}

function cookie(name) {
  const prefix = name + "=";
  for (const part of document.cookie.split(";")) {
    const item = part.trim();
    if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
  }
  return "";
}

/** Query string from an object, leaving out empty values. */
function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

function signInUrl() {
  const here = window.location.pathname + window.location.search + window.location.hash;
  return "/sign-in?next=" + encodeURIComponent(here);
}

async function request(method, path, { params, json, form, redirectOn401 = true } = {}) {
  const headers = { Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // the browser sets the multipart boundary
  }
  if (!SAFE_METHODS.includes(method)) headers["X-CSRFToken"] = cookie("csrftoken");

  let response;
  try {
    response = await fetch(path + query(params), { method, headers, body, credentials: "same-origin" });
  } catch (exc) {
    throw new ApiError(0, { detail: "The server could not be reached. Check the connection and try again." });
  }
  if (response.status === 204) return null;

  const type = response.headers.get("Content-Type") || "";
  let data = null;
  if (type.includes("json")) {
    try {
      data = await response.json();
    } catch (exc) {
      data = null;
    }
  }
  if (response.ok) return data;

  if (response.status === 401 && redirectOn401) {
    window.location.assign(signInUrl());
  }
  throw new ApiError(response.status, data);
}

/** The field's messages from an errors object; `path` may be dotted ("warranty.warranty_end"), with list positions
 * ("warranties.1.warranty_end": DRF keys a list's errors by index, as an object or as a list). */
function fieldErrors(errors, path) {
  let node = errors;
  for (const key of path.split(".")) {
    if (!node || typeof node !== "object") return "";
    if (Array.isArray(node) && !/^\d+$/.test(key)) return "";
    node = node[key];
  }
  if (!node) return "";
  if (Array.isArray(node)) return node.filter((item) => typeof item === "string").join(" ");
  if (typeof node === "string") return node;
  return "";
}

/** Every page of a paginated list (for small catalogs: retailers, brands), at most `cap` items. */
async function all(path, params = {}, cap = 1000) {
  const items = [];
  let skip = 0;
  for (;;) {
    const page = await request("GET", path, { params: { ...params, skip, limit: 100 } });
    items.push(...page.items);
    skip += page.items.length;
    if (!page.items.length || skip >= page.total || skip >= cap) return items;
  }
}

window.SpendsApi = {
  ApiError,
  query,
  fieldErrors,
  signInUrl,
  all,
  get: (path, params, options = {}) => request("GET", path, { params, ...options }),
  post: (path, json, options = {}) => request("POST", path, { json, ...options }),
  put: (path, json, options = {}) => request("PUT", path, { json, ...options }),
  patch: (path, json, options = {}) => request("PATCH", path, { json, ...options }),
  del: (path, options = {}) => request("DELETE", path, options),
  upload: (path, form, params, options = {}) => request("POST", path, { form, params, ...options }),
};
