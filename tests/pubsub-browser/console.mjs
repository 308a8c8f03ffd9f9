// Drives the web console's Pub/sub view (GET <base>/console#pubsub) in Debian's chromium through
// playwright-core: shared by the pub/sub browser test and the latency benchmark.
import { launch, post, openConsole as open, alerts } from "../console-browser/console.mjs";

export { launch, post };

/** Opens the console's pub/sub view, enters the token, connects and subscribes; returns the page. */
export async function openConsole(browser, base, token, { channels = "", patterns = "" } = {}) {
  const page = await open(browser, base, token, "pubsub");
  await page.click("#connect");
  await waitStatus(page, "connected");
  if (channels || patterns) await subscribe(page, channels, patterns);
  return page;
}

/**
 * Subscribes to the channels and patterns; answers "subscribed" or, when the store refused,
 * "subscribe failed: " and the message the page shows.
 */
export async function subscribe(page, channels, patterns) {
  await page.fill("#channels", channels);
  await page.fill("#patterns", patterns);
  await page.click("#subscribe");
  const status = await page.waitForFunction(() => /^(subscribed|subscribe failed)$/.test(document.getElementById("status").textContent), null, { timeout: 60_000 })
    .then(() => page.textContent("#status"));
  return status === "subscribed" ? status : `${status}: ${(await alerts(page)).join(" ")}`;
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
