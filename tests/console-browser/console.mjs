// Drives the store's web console (GET <base>/console) in Debian's chromium through playwright-core:
// shared by the console's browser tests, the pub/sub tests and benchmark, and the screenshot script.
import { chromium } from "playwright-core";

export const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

export async function launch() {
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
}

/** POSTs JSON to the store (a command array to the base, or a body to a route below it). */
export async function post(base, path, body, token) {
  const response = await fetch(base + path, {
    method: "POST",
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** A client for one store and token: command(...args) answers the result or throws with the error. */
export function store(base, token) {
  return {
    async command(...args) {
      const answer = await post(base, "", args.map(String), token);
      if (answer.status !== 200) throw new Error(`${args.join(" ")} -> ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.result;
    },
    async pipeline(commands) {
      const answer = await post(base, "/pipeline", commands.map(c => c.map(String)), token);
      if (answer.status !== 200) throw new Error(`pipeline -> ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    },
    /** SET with a raw byte body (path-style command: the body is the last argument), for values that are not UTF-8. */
    async setBytes(key, bytes) {
      const response = await fetch(`${base}/set/${encodeURIComponent(key)}`, { method: "POST", headers: { Authorization: `Bearer ${token}` }, body: bytes });
      if (response.status !== 200) throw new Error(`SET ${key} <bytes> -> ${response.status} ${await response.text()}`);
    },
  };
}

/**
 * Opens the console on a view (#browser, #workbench, #pubsub, #snapshots, #overview) with the token
 * already in the tab's session storage, as the token form leaves it (enterToken drives the form
 * itself), and waits for the access it grants to show; returns the page.
 */
export async function openConsole(browser, base, token, view = "browser", { colorScheme = "light", viewport = { width: 1280, height: 860 } } = {}) {
  const page = await browser.newPage({ colorScheme, viewport });
  page.on("pageerror", e => console.error("page error:", e.message));
  if (token) await page.addInitScript(t => sessionStorage.setItem("serverless-store-console-token", t), token);
  await page.goto(`${base}/console#${view}`);
  await page.waitForSelector("#access:not([data-access=unknown])", { timeout: 60_000 });
  return page;
}

/** Types a token into the form and waits for the access the console then shows (which must differ from the current one). */
export async function enterToken(page, token, expected) {
  await page.fill("#token", token);
  await page.click("#token-save");
  await page.waitForSelector(`#access[data-access="${expected}"]`, { timeout: 60_000 });
}

/** The texts of the visible error messages (role=alert). */
export async function alerts(page) {
  return page.$$eval("[role=alert]", list => list.map(a => a.textContent));
}

/** Waits until an error message containing the text shows; answers all the alerts' texts. */
export async function waitAlert(page, text, timeout = 60_000) {
  await page.waitForFunction(t => [...document.querySelectorAll("[role=alert]")].some(a => a.textContent.includes(t)), text, { timeout });
  return alerts(page);
}
