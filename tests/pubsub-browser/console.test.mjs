// The web console's Pub/sub view in headless chromium against the running store (STORE_URL, STORE_TOKEN
// from the xunit fixture): a subscribe token limited to orders and orders.*, messages and pattern
// messages published through the REST API, a refused channel, and disconnect leaving PUBSUB NUMSUB.
import { test } from "node:test";
import assert from "node:assert/strict";
import { launch, openConsole, post, subscribe, waitMessage, messages, waitStatus } from "./console.mjs";

const base = process.env.STORE_URL;
const token = process.env.STORE_TOKEN;
if (!base || !token) throw new Error("set STORE_URL (the store's REST base) and STORE_TOKEN (its full-access token)");
const run = `${process.pid}${Date.now()}`;
const orders = `orders${run}`;

const command = async (...args) => {
  const answer = await post(base, "", args, token);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.result;
};

test("the console subscribes with a subscribe token, receives message and pmessage, is refused outside its patterns, and leaves on disconnect", async () => {
  const issued = await post(base, "/subscribe-token", { patterns: [orders, `${orders}.*`], ttlSeconds: 600 }, token);
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  const browser = await launch();
  try {
    const page = await openConsole(browser, base, issued.body.result.token, { channels: orders, patterns: `${orders}.*` });
    assert.deepEqual(await command("PUBSUB", "NUMSUB", orders), [orders, 1]);

    assert.equal(await command("PUBLISH", orders, "first order"), 1);
    await waitMessage(page, "first order");
    assert.equal(await command("PUBLISH", `${orders}.eu`, "an eu order"), 1);
    await waitMessage(page, "an eu order");
    const [message, pmessage] = (await messages(page)).map(({ receivedAt, ...m }) => m);
    assert.deepEqual(message, { type: "message", pattern: undefined, channel: orders, data: "first order" });
    assert.deepEqual(pmessage, { type: "pmessage", pattern: `${orders}.*`, channel: `${orders}.eu`, data: "an eu order" });

    // A channel outside the token's patterns is refused, and nothing is subscribed.
    const refused = await subscribe(page, `payments${run}`, "");
    assert.match(refused, /^subscribe failed: .*403 Forbidden: NOPERM this subscribe token does not allow/);
    assert.deepEqual(await command("PUBSUB", "NUMSUB", `payments${run}`), [`payments${run}`, 0]);

    // Publishing from the page needs the full-access token: with the subscribe token the page says
    // so and offers no publish, and the store refuses the token's commands.
    assert.equal(await page.isDisabled("#publish"), true);
    assert.match(await page.textContent("legend:has-text('Publish')"), /needs the full-access token/);
    assert.equal((await post(base, "", ["PUBLISH", orders, "x"], issued.body.result.token)).status, 401);

    await page.click("#disconnect");
    await waitStatus(page, "disconnected");
    const deadline = Date.now() + 60_000;
    let numsub;
    while ((numsub = await command("PUBSUB", "NUMSUB", orders))[1] !== 0 && Date.now() < deadline) await new Promise(r => setTimeout(r, 50));
    assert.deepEqual(numsub, [orders, 0]);
    assert.equal(await command("PUBLISH", orders, "nobody listens"), 0);
  } finally {
    await browser.close();
  }
});

test("with the full-access token the page publishes, and the publish reaches its own subscription", async () => {
  const browser = await launch();
  try {
    const page = await openConsole(browser, base, token, { channels: `news${run}` });
    await page.fill("#publish-channel", `news${run}`);
    await page.fill("#publish-message", "hello from the page");
    await page.click("#publish");
    await waitMessage(page, "hello from the page");
    // The message can arrive (server-sent events) before PUBLISH's own reply sets the count: wait for the
    // reply, then judge it (a wrong count still fails: the wait ends on any answer, not only on "1").
    await page.waitForFunction(() => document.getElementById("receivers").textContent !== "-", null, { timeout: 60_000 });
    assert.equal(await page.textContent("#receivers"), "1");
  } finally {
    await browser.close();
  }
});
