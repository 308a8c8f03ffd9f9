// The web console's views in headless chromium against the running store (STORE_URL, STORE_TOKEN,
// STORE_READONLY_TOKEN from the xunit fixture), on keys of this run's own prefix: the browser
// (pattern, type filter, pages, each type's viewer, edits), the workbench (replies as redis-cli
// prints them, history, completion, pipeline and transaction), the overview's charts, a read-only
// token's console, and errors shown to the person (a wrong token). Pub/sub: tests/pubsub-browser;
// snapshots: snapshots.test.mjs (a store of its own, as restore replaces the keyspace).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, openConsole, enterToken, store, waitAlert } from "./console.mjs";

const base = process.env.STORE_URL;
const token = process.env.STORE_TOKEN;
const readOnlyToken = process.env.STORE_READONLY_TOKEN;
if (!base || !token || !readOnlyToken) throw new Error("set STORE_URL, STORE_TOKEN and STORE_READONLY_TOKEN");
const p = `console${process.pid}${Date.now()}:`;
const db = store(base, token);
let browser;

before(async () => {
  browser = await launch();
  const seed = [
    ["SET", `${p}text`, "hello world"],
    ["SET", `${p}json`, JSON.stringify({ name: "Ada", langs: ["en", "fr"] })],
    ["HSET", `${p}hash`, "name", "Ada", "email", "ada@example.com"],
    ["RPUSH", `${p}list`, ...Array.from({ length: 120 }, (_, i) => `item-${i}`)],
    ["SADD", `${p}set`, "red", "green", "blue"],
    ["ZADD", `${p}zset`, 100, "alice", 85, "bob", 120, "carol"],
    ["XADD", `${p}stream`, "1-1", "type", "login"],
    ["XADD", `${p}stream`, "1-2", "type", "logout"],
    ["XGROUP", "CREATE", `${p}stream`, "workers", "0"],
    ["XREADGROUP", "GROUP", "workers", "w1", "COUNT", 1, "STREAMS", `${p}stream`, ">"],
    ...Array.from({ length: 70 }, (_, i) => ["SET", `${p}many:${i}`, i]),
  ];
  for (const r of await db.pipeline(seed)) assert.ok(!("error" in r), JSON.stringify(r));
  await db.setBytes(`${p}bin`, new Uint8Array([0xff, 0xfe, 0x00, 0x61, 0x62]));
});

after(() => browser?.close());

/** Scans with a pattern and a type; answers the keys the table lists. */
async function scan(page, pattern, type = "") {
  await page.fill("#pattern", pattern);
  await page.selectOption("#type-filter", type);
  await page.click("#scan");
  await page.waitForFunction(() => !/Scanning/.test(document.getElementById("scan-status").textContent) && document.getElementById("scan-status").textContent !== "");
  return page.$$eval("#keys tbody tr", rows => rows.map(r => r.dataset.key));
}

/** Scans for exactly this key and opens it. */
async function openKey(page, key) {
  if (!(await page.$(`#keys tr[data-key="${key}"]`))) await scan(page, key);
  await page.click(`#keys tr[data-key="${key}"] button.key`);
  await page.waitForSelector(`#key-view[data-key="${key}"]`);
}

const cells = (page, selector = "table.items tbody tr") => page.$$eval(selector, rows => rows.map(r => [...r.querySelectorAll("td")].map(td => td.textContent)));

test("browser: pattern and type filter, pages of keys, and each type's viewer", async () => {
  const page = await openConsole(browser, base, token);

  // 70 keys match: the first page holds some, "load more" brings the rest.
  const first = await scan(page, `${p}many:*`);
  assert.ok(first.length >= 50 && first.length < 70, `first page: ${first.length} keys`);
  assert.ok(first.every(k => k.startsWith(`${p}many:`)));
  while (await page.$("#load-more")) {
    await page.click("#load-more");
    await page.waitForFunction(n => document.querySelectorAll("#keys tbody tr").length > n || !document.getElementById("load-more"), first.length);
    await page.waitForFunction(() => !/Scanning/.test(document.getElementById("scan-status").textContent));
  }
  const all = await page.$$eval("#keys tbody tr", rows => rows.map(r => r.dataset.key));
  assert.equal(new Set(all).size, 70);

  assert.deepEqual(await scan(page, `${p}*`, "zset"), [`${p}zset`]);
  assert.deepEqual(await scan(page, `${p}*`, "hash"), [`${p}hash`]);
  const row = await page.$$eval(`#keys tr[data-key="${p}hash"] td`, tds => tds.map(td => td.textContent));
  assert.equal(row[1], "hash");
  assert.equal(row[2], "no TTL");
  assert.match(row[3], /\d+ B/);

  await scan(page, `${p}*`);
  await openKey(page, `${p}text`);
  assert.equal(await page.textContent("#string-kind"), "text");
  assert.equal(await page.textContent("#string-value"), "hello world");

  await openKey(page, `${p}json`);
  assert.equal(await page.textContent("#string-kind"), "JSON");
  assert.equal(await page.textContent("#string-value"), JSON.stringify({ name: "Ada", langs: ["en", "fr"] }, null, 2));

  await openKey(page, `${p}bin`);
  assert.equal(await page.textContent("#string-kind"), "binary");
  assert.match(await page.textContent("#string-value"), /^00000000  ff fe 00 61 62 +\.\.\.ab$/);

  await openKey(page, `${p}hash`);
  await page.waitForSelector("table.items tbody tr");
  assert.deepEqual((await cells(page)).map(c => c.slice(0, 2)).sort(), [["email", "ada@example.com"], ["name", "Ada"]]);

  await openKey(page, `${p}list`);
  await page.waitForSelector("table.items tbody tr");
  assert.equal((await cells(page)).length, 50);
  await page.click(".load-items");
  await page.waitForFunction(() => document.querySelectorAll("table.items tbody tr").length === 100);
  await page.click(".load-items");
  await page.waitForFunction(() => document.querySelectorAll("table.items tbody tr").length === 120);
  assert.deepEqual((await cells(page))[119].slice(0, 2), ["119", "item-119"]);
  assert.equal(await page.$(".load-items"), null);

  await openKey(page, `${p}set`);
  await page.waitForSelector("table.items tbody tr");
  assert.deepEqual((await cells(page)).map(c => c[0]).sort(), ["blue", "green", "red"]);

  await openKey(page, `${p}zset`);
  await page.waitForSelector("table.items tbody tr");
  assert.deepEqual((await cells(page)).map(c => c.slice(0, 2)), [["bob", "85"], ["alice", "100"], ["carol", "120"]]);

  await openKey(page, `${p}stream`);
  await page.waitForSelector("#stream-groups tbody tr");
  assert.deepEqual((await cells(page)).map(c => c.slice(0, 2)), [["1-1", "type=login"], ["1-2", "type=logout"]]);
  const group = await page.textContent("#stream-groups tr[data-group=workers]");
  assert.match(group, /workers/);
  assert.match(group, /w1 \(1,/); // the consumer with one pending entry
  assert.match(group, /1-1 w1/); // the pending entry itself
});

test("browser: add, edit, rename, TTL and delete through ordinary commands", async () => {
  const page = await openConsole(browser, base, token);
  page.on("dialog", dialog => dialog.accept());
  await scan(page, `${p}*`);

  // add a hash
  await page.click("#add-key");
  await page.fill("#new-key", `${p}added`);
  await page.selectOption("#new-type", "hash");
  await page.fill("#new-a", "f1");
  await page.fill("#new-b", "v1");
  await page.click("#create-key");
  await page.waitForSelector(`#key-view[data-key="${p}added"]`);
  assert.equal(await db.command("HGET", `${p}added`, "f1"), "v1");

  // edit a field, remove another
  await page.waitForSelector("table.items tbody tr");
  await page.fill("#edit-0", "f2");
  await page.fill("#edit-1", "v2");
  await page.click("#edit-save");
  await page.waitForFunction(() => document.querySelectorAll("table.items tbody tr").length === 2);
  assert.equal(await db.command("HGET", `${p}added`, "f2"), "v2");
  await page.click('button[aria-label="Remove f1"]');
  await page.waitForFunction(() => document.querySelectorAll("table.items tbody tr").length === 1);
  assert.equal(await db.command("HEXISTS", `${p}added`, "f1"), 0);

  // a string's new value keeps its TTL
  await db.command("SET", `${p}edit`, "before", "EX", 3600);
  await scan(page, `${p}edit`);
  await openKey(page, `${p}edit`);
  await page.fill("#string-edit", "after");
  await page.click("#string-save");
  await page.waitForFunction(() => document.getElementById("string-value")?.textContent === "after");
  assert.equal(await db.command("GET", `${p}edit`), "after");
  assert.ok((await db.command("TTL", `${p}edit`)) > 3000);

  // TTL: clear, then set
  await page.click("#clear-ttl");
  await page.waitForFunction(() => document.getElementById("key-ttl").textContent === "no TTL");
  assert.equal(await db.command("TTL", `${p}edit`), -1);
  await page.fill("#ttl-seconds", "500");
  await page.click("#set-ttl");
  await page.waitForFunction(() => document.getElementById("key-ttl").textContent !== "no TTL");
  const ttl = await db.command("TTL", `${p}edit`);
  assert.ok(ttl > 0 && ttl <= 500, `TTL ${ttl}`);

  // rename, then delete
  await page.fill("#rename", `${p}renamed`);
  await page.click("#rename-key");
  await page.waitForSelector(`#key-view[data-key="${p}renamed"]`);
  assert.equal(await db.command("EXISTS", `${p}edit`), 0);
  assert.equal(await db.command("GET", `${p}renamed`), "after");
  await page.click("#delete-key");
  await page.waitForFunction(() => !document.getElementById("key-view"));
  assert.equal(await db.command("EXISTS", `${p}renamed`), 0);

  // a list element set by index
  await scan(page, `${p}list`);
  await openKey(page, `${p}list`);
  await page.waitForSelector("table.items tbody tr");
  await page.fill("#edit-0", "0");
  await page.fill("#edit-1", "first!");
  await page.click("#edit-save");
  await page.waitForFunction(() => document.querySelector("table.items tbody tr td:nth-child(2)")?.textContent === "first!");
  assert.equal(await db.command("LINDEX", `${p}list`, 0), "first!");
});

/** Runs one line in the workbench; answers the output it added. */
async function run(page, line) {
  const before = await page.$$eval("#output > div", d => d.length);
  await page.fill("#command", line);
  await page.press("#command", "Enter");
  await page.waitForFunction(n => document.querySelectorAll("#output > div").length >= n + 2, before);
  return page.$$eval("#output > div", (d, n) => d.slice(n + 1).map(x => x.textContent).join(""), before);
}

test("workbench: replies as redis-cli prints them, history, completion, pipeline and transaction", async () => {
  const page = await openConsole(browser, base, token, "workbench");
  const k = `${p}wb`;
  assert.equal(await run(page, `SET ${k} "a b\\x01"`), "OK\n");
  assert.equal(await run(page, `GET ${k}`), '"a b\\x01"\n');
  assert.equal(await run(page, `INCR ${k}:n`), "(integer) 1\n");
  assert.equal(await run(page, `GET ${k}:missing`), "(nil)\n");
  assert.equal(await run(page, `TYPE ${k}`), "string\n");
  await db.command("RPUSH", `${k}:l`, ...Array.from({ length: 10 }, (_, i) => `e${i}`));
  assert.equal(await run(page, `LRANGE ${k}:l 0 -1`), Array.from({ length: 10 }, (_, i) => `${String(i + 1).padStart(2)}) "e${i}"\n`).join(""));
  assert.equal(await run(page, `LRANGE ${k}:none 0 -1`), "(empty array)\n");
  await db.command("XADD", `${k}:s`, "1-1", "f", "v");
  assert.equal(await run(page, `XRANGE ${k}:s - +`), '1) 1) "1-1"\n   2) 1) "f"\n      2) "v"\n');
  assert.equal(await run(page, `LPUSH ${k}`), "(error) ERR wrong number of arguments for 'lpush' command\n");
  assert.equal(await run(page, `LPUSH ${k} x`), "(error) WRONGTYPE Operation against a key holding the wrong kind of value\n");

  // history: up brings back the last line, up again the one before
  await page.focus("#command");
  await page.press("#command", "ArrowUp");
  assert.equal(await page.inputValue("#command"), `LPUSH ${k} x`);
  await page.press("#command", "ArrowUp");
  assert.equal(await page.inputValue("#command"), `LPUSH ${k}`);
  await page.press("#command", "ArrowDown");
  assert.equal(await page.inputValue("#command"), `LPUSH ${k} x`);

  // completion of a command name, and the hint from COMMAND DOCS
  await page.fill("#command", "hgeta");
  await page.press("#command", "Tab");
  assert.equal(await page.inputValue("#command"), "hgetall ");
  await page.waitForFunction(() => document.getElementById("hint").textContent.includes("HGETALL key"));
  await page.fill("#command", "ZADD");
  await page.waitForFunction(() => document.getElementById("hint").textContent.includes("ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]"));
  await page.fill("#command", "zrangeb");
  await page.press("#command", "Tab");
  assert.equal(await page.inputValue("#command"), "zrangeby");
  assert.deepEqual(await page.$$eval("#completions li", l => l.map(x => x.textContent)), ["zrangebylex", "zrangebyscore"]);

  // pipeline: one request, one reply per line
  await page.check("input[name=mode][value=pipeline]");
  await page.fill("#command", `SET ${k}:p 5\nINCR ${k}:p\nHGET ${k}:p f`);
  await page.press("#command", "Control+Enter");
  await page.waitForFunction(() => document.getElementById("output").textContent.includes("OK\n(integer) 6\n(error) WRONGTYPE"));
  const out = await page.textContent("#output");
  assert.ok(out.includes(`+ INCR ${k}:p`), out);

  // transaction: EXEC's reply as one array
  await page.check("input[name=mode][value=transaction]");
  await page.fill("#command", `INCR ${k}:p\nINCRBY ${k}:p 10`);
  await page.click("#run");
  await page.waitForFunction(() => document.getElementById("output").textContent.includes("1) (integer) 7\n2) (integer) 17\n"));
  assert.equal(await db.command("GET", `${k}:p`), "17");
});

test("overview: the charts draw the store's numbers", async () => {
  // some traffic for the per-second charts
  for (let i = 0; i < 5; i++) await db.command("INCR", `${p}traffic`);
  const page = await openConsole(browser, base, token, "overview");
  await page.waitForFunction(() => /^\d+$/.test(document.getElementById("tile-keys")?.textContent ?? ""));
  assert.ok(Number(await page.textContent("#tile-keys")) >= 80);
  await page.waitForSelector("#chart-keys canvas");
  await page.waitForSelector("#chart-types .bar");
  assert.match(await page.textContent("#chart-types"), /string/);
  await page.waitForSelector("#chart-commands canvas", { timeout: 60_000 });
  await page.waitForFunction(() => Number(document.getElementById("chart-commands").dataset.points) > 0);
  await page.waitForSelector("#chart-latency canvas");
  assert.match(await page.textContent("#chart-by-command"), /incr/i);
  assert.deepEqual(await page.$$eval("[role=alert]", a => a.map(x => x.textContent)), []);
});

test("a read-only token sees a read-only console, and a write is refused", async () => {
  const page = await openConsole(browser, base, token);
  assert.equal(await page.getAttribute("#access", "data-access"), "full");
  await enterToken(page, readOnlyToken, "read-only");
  await page.waitForSelector("[data-testid=read-only-note]");
  await scan(page, `${p}*`);
  assert.equal(await page.$("#add-key"), null);
  await openKey(page, `${p}hash`);
  await page.waitForSelector("table.items tbody tr");
  for (const control of ["#delete-key", "#rename-key", "#set-ttl", "#edit-save", "button[aria-label^=Remove]"]) assert.equal(await page.$(control), null, control);
  await openKey(page, `${p}text`);
  assert.equal(await page.textContent("#string-value"), "hello world");
  assert.equal(await page.$("#string-save"), null);

  await page.click("#tab-workbench");
  assert.equal(await run(page, `SET ${p}text changed`), "(error) NOPERM this user has no permissions to run the 'set' command\n");
  assert.equal(await db.command("GET", `${p}text`), "hello world");

  await page.click("#tab-snapshots");
  await page.waitForSelector("[data-testid=read-only-note]");
  assert.equal(await page.isDisabled("#save"), true);
});

test("errors reach the person: a wrong token is refused in sight", async () => {
  const page = await openConsole(browser, base, "not-the-token");
  assert.equal(await page.getAttribute("#access", "data-access"), "refused");
  const shown = await waitAlert(page, "401 Unauthorized");
  assert.ok(shown.some(a => /refused/.test(a)), shown.join(" | "));
  // the browser view says why it has no keys
  assert.equal(await page.$$eval("#keys tbody tr", r => r.length), 0);
  await page.click("#tab-workbench");
  await page.fill("#command", "PING");
  await page.press("#command", "Enter");
  await waitAlert(page, "enter the store's token");
  // the token never travels in a URL, and lives in session storage only
  assert.equal(page.url().includes("not-the-token"), false);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
});
