// Every call the console makes to the store: fetch with the token as a bearer header (never in a
// URL), JSON in and out, errors turned into messages a person can act on.

const TOKEN = "serverless-store-console-token";

/** The REST base: the page is served at <base>/console. */
export const base = location.origin + location.pathname.replace(/\/console\/?$/, "");

export const getToken = () => sessionStorage.getItem(TOKEN) ?? "";
export const setToken = token => token ? sessionStorage.setItem(TOKEN, token) : sessionStorage.removeItem(TOKEN);

export class StoreError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
  /** A permission refusal: the read-only token, or a subscribe token outside its patterns. */
  get noPerm() { return this.status === 403 || /^NOPERM/.test(this.message); }
}

export function headers(extra = {}) {
  const token = getToken();
  return { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
}

/** What an HTTP status and the store's {"error"} mean to the person at the page. */
function describe(status, error) {
  const said = error ? `: ${error}` : "";
  switch (status) {
    case 401: return `401 Unauthorized${said} (enter the store's token at the top of the page)`;
    case 403: return `403 Forbidden${said}`;
    case 404: return `404 Not Found${said}`;
    default: return `${status}${said || " (the store gave no reason)"}`;
  }
}

/** A request to <base><path>; answers the Response when ok, throws a StoreError otherwise. */
export async function send(path, { method = "POST", body, base64 = false, accept } = {}) {
  const extra = {};
  if (body !== undefined) extra["Content-Type"] = "application/json";
  if (base64) extra["Upstash-Encoding"] = "base64";
  if (accept) extra.Accept = accept;
  let response;
  try {
    response = await fetch(base + path, { method, headers: headers(extra), body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new StoreError(`Network error: the store at ${base} did not answer (${e.message})`, 0);
  }
  if (!response.ok) {
    const answer = await response.json().catch(() => null);
    throw new StoreError(describe(response.status, answer?.error), response.status);
  }
  return response;
}

async function json(path, options) {
  return (await send(path, options)).json();
}

/**
 * A request whose {"result"} or {"error"} the caller formats itself (the workbench): answers
 * {status, answer}; throws only when there is no JSON answer (network, proxy pages).
 */
export async function exchange(path, body, { base64 = false } = {}) {
  let response;
  try {
    response = await fetch(base + path, {
      method: "POST",
      headers: headers({ "Content-Type": "application/json", ...(base64 ? { "Upstash-Encoding": "base64" } : {}) }),
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new StoreError(`Network error: the store at ${base} did not answer (${e.message})`, 0);
  }
  const answer = await response.json().catch(() => null);
  if (answer === null) throw new StoreError(describe(response.status, response.statusText), response.status);
  return { status: response.status, answer };
}

/** One command: its result, or a StoreError with the store's error. */
export async function command(args, options = {}) {
  const answer = await json("", { ...options, body: args.map(String) });
  if (answer.error !== undefined) throw new StoreError(answer.error, 400);
  return answer.result;
}

/** Several commands in one round trip: an array of {result} / {error}, in order. */
export const pipeline = (commands, options = {}) => json("/pipeline", { ...options, body: commands.map(c => c.map(String)) });

/** A transaction: an array of {result} / {error}, or a StoreError when it was refused or aborted. */
export const transaction = (commands, options = {}) => json("/multi-exec", { ...options, body: commands.map(c => c.map(String)) });

/** A GET route below the base answering {"result"}. */
export async function get(path) {
  const answer = await json(path, { method: "GET" });
  return answer.result;
}

/**
 * What the token may do, from one probe that cannot change anything: EXPIRE with a TTL that is not
 * a number. The full-access token gets Redis's "not an integer" error, the read-only one NOPERM
 * (permissions are checked before a command runs), a wrong or missing token 401.
 */
export async function probeAccess() {
  try {
    await command(["EXPIRE", "__console:access-probe", "not-a-number"]);
    return { access: "full" };
  } catch (e) {
    if (e.status === 400) return { access: "full" };
    if (e.noPerm) return { access: "read-only" };
    return { access: "refused", error: e.message };
  }
}

// Bytes and text: with Upstash-Encoding: base64 every string comes as base64 except "OK".
export function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The text of UTF-8 bytes, or null when they are not valid UTF-8. */
export function utf8(bytes) {
  try { return decoder.decode(bytes); } catch { return null; }
}

/** Decodes a base64 reply's strings to text (lenient) everywhere inside it. */
export function decodeDeep(value) {
  if (typeof value === "string") return value === "OK" ? value : new TextDecoder().decode(fromBase64(value));
  if (Array.isArray(value)) return value.map(decodeDeep);
  return value;
}
