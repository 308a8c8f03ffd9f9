// Screenshots of the console's views for docs/console/ (run by screenshots.sh, which starts a
// store of its own): seeds demo data, makes some traffic so the charts have something to draw,
// and saves one PNG per view in light mode plus two in dark mode.
import { launch, openConsole, store, enterToken } from "./console.mjs";
import { setTimeout as sleep } from "node:timers/promises";

const base = process.env.STORE_URL;
const token = process.env.STORE_TOKEN;
const readOnlyToken = process.env.STORE_READONLY_TOKEN;
const out = process.env.OUT ?? "docs/console";
if (!base || !token || !readOnlyToken) throw new Error("set STORE_URL, STORE_TOKEN, STORE_READONLY_TOKEN (screenshots.sh does)");
const db = store(base, token);

await db.pipeline([
  ["HSET", "user:1001", "name", "Ada Lovelace", "email", "ada@example.com", "plan", "pro", "visits", 42],
  ["HSET", "user:1002", "name", "Alan Turing", "email", "alan@example.com", "plan", "free", "visits", 7],
  ["SET", "config:features", JSON.stringify({ search: true, beta: ["dark-mode", "exports"], limits: { rps: 100 } })],
  ["SET", "session:9f2c", "user:1001", "EX", 1800],
  ["SET", "session:41ab", "user:1002", "EX", 600],
  ["SET", "page:home:views", 1234],
  ["ZADD", "leaderboard", 3120, "ada", 2890, "alan", 2710, "grace", 2400, "linus", 1980, "barbara"],
  ["RPUSH", "queue:emails", "welcome:1001", "receipt:88", "reset:1002", "digest:weekly"],
  ["SADD", "tags:popular", "redis", "azure", "serverless", "durable", "functions"],
  ["XADD", "events:orders", "*", "order", "88", "status", "paid", "total", "42.50"],
  ["XADD", "events:orders", "*", "order", "89", "status", "paid", "total", "17.00"],
  ["XADD", "events:orders", "*", "order", "88", "status", "shipped"],
  ["XGROUP", "CREATE", "events:orders", "billing", "0"],
  ["XREADGROUP", "GROUP", "billing", "worker-1", "COUNT", 2, "STREAMS", "events:orders", ">"],
  ...Array.from({ length: 24 }, (_, i) => ["SET", `cache:product:${100 + i}`, JSON.stringify({ id: 100 + i, price: 10 + i }), "EX", 3600]),
]);
await db.setBytes("avatar:1001:thumb", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 0x10]));

// Traffic for the overview's per-second charts, while the screenshots are taken.
let traffic = true;
const names = ["GET", "INCR", "HGETALL", "ZRANGE", "SET"];
const busy = (async () => {
  for (let i = 0; traffic; i++) {
    const batch = Array.from({ length: 3 + (i % 7) }, (_, j) => {
      switch (names[(i + j) % names.length]) {
        case "GET": return ["GET", `cache:product:${100 + (j % 24)}`];
        case "INCR": return ["INCR", "page:home:views"];
        case "HGETALL": return ["HGETALL", "user:1001"];
        case "ZRANGE": return ["ZRANGE", "leaderboard", 0, 2];
        default: return ["SET", `cache:recent:${j}`, i, "EX", 120];
      }
    });
    await db.pipeline(batch).catch(() => {});
    await sleep(150);
  }
})();

const browser = await launch();
const shot = (page, name, fullPage = false) => page.screenshot({ path: `${out}/${name}.png`, fullPage });
try {
  for (const colorScheme of ["light", "dark"]) {
    const suffix = colorScheme === "dark" ? "-dark" : "";
    const page = await openConsole(browser, base, token, "browser", { colorScheme, viewport: { width: 1280, height: 800 } });
    await page.waitForSelector("#keys tbody tr");
    await page.fill("#pattern", "*");
    await page.click(`#keys tr[data-key="user:1001"] button.key`);
    await page.waitForSelector("table.items tbody tr");
    await shot(page, "browser" + suffix);
    if (colorScheme === "dark") {
      await page.click("#tab-overview");
      await sleep(12_000);
      await page.waitForSelector("#chart-commands canvas");
      await shot(page, "overview-dark", true);
      await page.close();
      break;
    }
    await page.click(`#keys tr[data-key="config:features"] button.key`);
    await page.waitForSelector("#string-value");
    await shot(page, "browser-json");
    await page.click(`#keys tr[data-key="events:orders"] button.key`);
    await page.waitForSelector("#stream-groups");
    await shot(page, "browser-stream");
    await page.click(`#keys tr[data-key="avatar:1001:thumb"] button.key`);
    await page.waitForSelector("#string-value");
    await shot(page, "browser-binary");

    await page.click("#tab-workbench");
    for (const line of ["HGETALL user:1001", "ZRANGE leaderboard 0 2 WITHSCORES", "INCR page:home:views", "XRANGE events:orders - + COUNT 1", "GET nothing:here", "LPUSH user:1001 x"]) {
      await page.fill("#command", line);
      await page.press("#command", "Enter");
      await sleep(400);
    }
    await page.fill("#command", "ZADD");
    await page.waitForFunction(() => document.getElementById("hint").textContent.includes("ZADD key"));
    await shot(page, "workbench");

    await page.click("#tab-pubsub");
    await page.click("#connect");
    await page.waitForFunction(() => document.getElementById("status").textContent === "connected");
    await page.fill("#channels", "orders");
    await page.fill("#patterns", "__keyspace@0__:*");
    await page.click("#subscribe");
    await page.waitForFunction(() => document.getElementById("status").textContent === "subscribed");
    await db.command("PUBLISH", "orders", JSON.stringify({ order: 90, status: "paid" }));
    await db.command("HSET", "user:1002", "plan", "pro");
    await db.command("PUBLISH", "orders", JSON.stringify({ order: 91, status: "paid" }));
    await page.waitForFunction(() => document.querySelectorAll("#messages li").length >= 3);
    await sleep(1500);
    await shot(page, "pubsub");

    await page.click("#tab-snapshots");
    await page.click("#save");
    await page.waitForSelector("#snapshots tbody tr", { timeout: 120_000 });
    await shot(page, "snapshots");
    await page.click("#snapshots tbody tr .restore");
    await page.waitForSelector("#restore-dialog[open]");
    await shot(page, "snapshots-restore");
    await page.click("#restore-dialog button.secondary");

    await page.click("#tab-overview");
    await sleep(12_000);
    await page.waitForSelector("#chart-commands canvas");
    await shot(page, "overview", true);

    await page.click("#tab-browser");
    await enterToken(page, readOnlyToken, "read-only");
    await page.waitForSelector("#keys tbody tr");
    await page.click(`#keys tr[data-key="leaderboard"] button.key`);
    await page.waitForSelector("table.items tbody tr");
    await shot(page, "read-only");
    await page.close();
  }
} finally {
  traffic = false;
  await busy;
  await browser.close();
}
console.log(`screenshots in ${out}/`);
