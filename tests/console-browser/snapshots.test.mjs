// The web console's Snapshots view in headless chromium, against a store of its own (STORE_URL,
// STORE_TOKEN from the xunit fixture): a restore with mode=replace makes the keyspace the file's,
// so no other test's keys may live there. SAVE from the page, the new snapshot listed with its
// metadata, its RDB downloaded (starts with REDIS00), a restore confirmed in the dialog.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { launch, openConsole, store } from "./console.mjs";

const base = process.env.STORE_URL;
const token = process.env.STORE_TOKEN;
if (!base || !token) throw new Error("set STORE_URL (a store of the test's own) and STORE_TOKEN");
const p = `snap${process.pid}:`;
const db = store(base, token);
let browser;

before(async () => { browser = await launch(); });
after(() => browser?.close());

test("snapshots: SAVE, listed with metadata, downloaded as an RDB, restored after a confirmation", async () => {
  await db.pipeline([["SET", `${p}kept`, "in the snapshot"], ["HSET", `${p}hash`, "f", "v"]]);
  const page = await openConsole(browser, base, token, "snapshots");
  const rows = () => page.$$eval("#snapshots tbody tr", r => r.map(x => x.dataset.name));
  await page.waitForFunction(() => document.getElementById("snapshots") || /No snapshots/.test(document.body.textContent));
  const before = await rows();

  await page.click("#save");
  await page.waitForSelector("#snapshot-notice");
  await page.waitForFunction(n => document.querySelectorAll("#snapshots tbody tr").length > n, before.length, { timeout: 120_000 });
  const [newest] = await rows();
  assert.ok(!before.includes(newest), `${newest} is new`);
  const row = await page.textContent(`#snapshots tr[data-name="${newest}"]`);
  assert.match(row, /latest/);
  const cells = await page.$$eval(`#snapshots tr[data-name="${newest}"] td`, tds => tds.map(td => td.textContent));
  assert.ok(Number(cells[2]) >= 2, `keys: ${cells[2]}`);
  assert.match(cells[5], /^\d+$/); // RDB version
  assert.match(cells[6], /^[0-9a-f]{16}$/i); // CRC-64

  // the download is the RDB file itself
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(`#snapshots tr[data-name="${newest}"] .download`)]);
  const bytes = await readFile(await download.path());
  assert.equal(bytes.subarray(0, 7).toString("latin1"), "REDIS00");
  assert.match(download.suggestedFilename(), /\.rdb$/);

  // a key written after the snapshot: replace removes it, the snapshot's keys come back
  await db.command("SET", `${p}later`, "after the snapshot");
  await db.command("DEL", `${p}kept`);
  await page.click(`#snapshots tr[data-name="${newest}"] .restore`);
  await page.waitForSelector("#restore-dialog[open]");
  const explained = await page.textContent("#restore-dialog");
  assert.match(explained, /Replace: the keyspace becomes the file/);
  assert.match(explained, /Merge: .*keys that are not in the file stay/);
  // cancelling changes nothing
  await page.click("#restore-dialog button.secondary");
  await page.waitForSelector("#restore-dialog:not([open])", { state: "attached" });
  assert.equal(await db.command("EXISTS", `${p}later`), 1);

  await page.click(`#snapshots tr[data-name="${newest}"] .restore`);
  await page.check("input[name=restore-mode][value=replace]");
  await page.click("#restore-confirm");
  await page.waitForFunction(() => /^Restored/.test(document.getElementById("snapshot-notice")?.textContent ?? ""), null, { timeout: 120_000 });
  assert.match(await page.textContent("#snapshot-notice"), /\(replace\)/);
  assert.equal(await db.command("GET", `${p}kept`), "in the snapshot");
  assert.equal(await db.command("EXISTS", `${p}later`), 0);
  assert.deepEqual(await page.$$eval("[role=alert]", a => a.map(x => x.textContent)), []);
});
