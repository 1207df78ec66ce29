import { t } from "./i18n.js";
// JSON API calls: staff pages use the browser session (+ CSRF token), tablets a bearer token.
const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content;

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || t("request failed ({status})", { status }));
    this.status = status;
    this.code = error?.code;
    this.fields = error?.fields;
  }
}

export async function api(method, path, body, { token } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (method !== "GET") headers["X-CSRFToken"] = csrf();
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, { code: "offline", message: t("no connection to the server") });
  }
  const data = response.headers.get("Content-Type")?.includes("json") ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, data?.error);
  return data;
}

/** The first message of an error, with its field when there is one. */
export function describe(err) {
  if (err?.fields) {
    const [field, reasons] = Object.entries(err.fields)[0];
    return `${err.message} (${field}: ${[].concat(reasons)[0]})`;
  }
  return err?.message || String(err);
}
