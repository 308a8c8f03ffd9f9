// Drives the store's pub/sub console page (GET <base>/console) in Debian's chromium through
// playwright-core: shared by the browser test and the latency benchmark.
import { chromium } from "playwright-core";

export const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

/** POSTs JSON to the store (a command array to the base, or a body to a route below it). */
export async function post(base, path, body, token) {
  const response = await fetch(base + path, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

export async function launch() {
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu"] });
}

/** Opens the console, connects with the token and subscribes; returns the page. */
export async function openConsole(browser, base, token, { channels = "", patterns = "" } = {}) {
  const page = await browser.newPage();
  await page.goto(base + "/console");
  await page.fill("#token", token);
  await page.click("#connect");
  await waitStatus(page, "connected");
  if (channels || patterns) await subscribe(page, channels, patterns);
  return page;
}

export async function subscribe(page, channels, patterns, expected = "subscribed") {
  await page.fill("#channels", channels);
  await page.fill("#patterns", patterns);
  await page.click("#subscribe");
  return waitStatus(page, expected);
}

/** Waits until the page's status starts with the text; returns the whole status. */
export async function waitStatus(page, prefix) {
  await page.waitForFunction(p => document.getElementById("status").textContent.startsWith(p), prefix, { timeout: 60_000 });
  return page.textContent("#status");
}

/** The messages the page shows, oldest first, with the time each arrived (page clock, ms). */
export async function messages(page) {
  return page.$$eval("#messages li", items => items.reverse().map(li => ({
    type: li.dataset.type, pattern: li.dataset.pattern, channel: li.dataset.channel, data: li.dataset.data,
    receivedAt: Number(li.dataset.receivedAt),
  })));
}

/** Waits until the page shows a message with this data. */
export async function waitMessage(page, data) {
  await page.waitForFunction(d => [...document.querySelectorAll("#messages li")].some(li => li.dataset.data === d), data, { timeout: 60_000 });
}
