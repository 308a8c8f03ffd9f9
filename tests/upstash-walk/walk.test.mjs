// Every command method of the unchanged @upstash/redis, called with representative arguments
// against the store and against redis-server 7.0 (through ./bridge.mjs), results compared at the
// client's API. The method list comes from the package itself: a method this file does not
// classify fails the walk, so a new client version cannot add a method unnoticed.
// STORE_URL and STORE_TOKEN come from the test fixture; REDIS_PORT is a redis-server of this run's own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import { startBridge } from "./bridge.mjs";

const url = process.env.STORE_URL;
const token = process.env.STORE_TOKEN ?? "unused";
const redisPort = Number(process.env.REDIS_PORT);
if (!url) throw new Error("set STORE_URL to the store's REST base, e.g. http://127.0.0.1:7071/api");
if (!redisPort) throw new Error("set REDIS_PORT to a redis-server 7.0 this run may use");
const run = `${process.pid}:${Date.now()}`;

// Every method is walked twice: as single commands (POST <base>), and with the client's default
// auto-pipelining, which sends them through /pipeline (the route most apps use).
const clientOptions = { enableTelemetry: false, enableAutoPipelining: false };
const modes = { single: clientOptions, "auto-pipelined": { enableTelemetry: false, enableAutoPipelining: true } };
let bridge;
const clients = {}; // mode -> { store, oracle }
before(async () => {
  bridge = await startBridge(redisPort);
  for (const [mode, options] of Object.entries(modes))
    clients[mode] = { store: new Redis({ url, token, ...options }), oracle: new Redis({ url: bridge.url, token: "bridge", ...options }) };
});
after(async () => { await bridge?.close(); });

/** Every command method a Redis instance exposes: own function properties, prototype methods, and
 * the methods of its namespaces (json, functions, search, vector) as "namespace.method". */
function clientMethods() {
  const client = new Redis({ url: "http://127.0.0.1:1", token: "t", ...clientOptions });
  const names = new Set();
  for (let proto = client; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === "constructor") continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof descriptor.value === "function") names.add(name);
      else if (descriptor.get) {
        const namespace = client[name];
        if (namespace && typeof namespace === "object")
          for (const inner of Object.keys(namespace)) names.add(`${name}.${inner}`);
      }
    }
  }
  return [...names].sort();
}

/** Every command method of a Pipeline (the same surface, queued). */
function pipelineMethods() {
  const pipeline = new Redis({ url: "http://127.0.0.1:1", token: "t", ...clientOptions }).pipeline();
  return Object.keys(pipeline).filter(name => typeof pipeline[name] === "function");
}

const sorted = values => [...values].sort();
const sortedPairs = pairs => [...pairs].sort((a, b) => String(a[0]).localeCompare(String(b[0])));

// ---- the classification: every method is in exactly one of these ----

/** Called on both; results must be equal. `call(client, key)` may return several replies to compare. */
const same = (call, onlyMode) => ({ kind: "same", call, onlyMode });
/** Non-deterministic reply: called on both, each result checked by `shape` (and both must succeed). */
const shaped = (call, shape) => ({ kind: "shape", call, shape });
/** Newer than Redis 7.0 (the oracle answers "unknown command"): the store's reply is checked by shape. */
const newer = (version, call, shape) => ({ kind: "newer", version, call, shape });
/** The store lacks it: it must fail on the store; a pass fails the walk so this list shrinks. */
const expectedFailure = (issue, what, call) => ({ kind: "expected-failure", issue, what, call });
/** Not called, with the reason. */
const notCompared = reason => ({ kind: "not-compared", reason });
const outOfScope = reason => ({ kind: "out-of-scope", reason });
const notACommand = reason => ({ kind: "not-a-command", reason });

const upstashArrays = outOfScope("Upstash's array type (AR* commands): no Redis equivalent");
const lua = "return {KEYS[1], ARGV[1], redis.call('incrby', KEYS[1], ARGV[1])}";
const library = name => `#!lua name=${name}\nredis.register_function('${name}_get', function(keys) return redis.call('get', keys[1]) end)\n` +
  `redis.register_function{function_name='${name}_ro', callback=function(keys) return redis.call('strlen', keys[1]) end, flags={'no-writes'}}`;
const libraryName = `walk_${process.pid}_${Date.now()}`;

async function stream(c, k) {
  await c.xadd(k("x"), "1-1", { f: "a" });
  await c.xadd(k("x"), "2-1", { f: "b" });
  await c.xadd(k("x"), "3-1", { f: "c" });
  return k("x");
}
async function streamWithGroup(c, k) {
  const key = await stream(c, k);
  await c.xgroup(key, { type: "CREATE", group: "g", id: "0" });
  await c.xreadgroup("g", "alice", key, ">", { count: 2 });
  return key;
}
/** XINFO replies carry idle times in ms (flat name/value lists): the machine's timing, not the command's. */
const withoutIdle = value => {
  if (!Array.isArray(value)) return value;
  const kept = [];
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] === "string" && /^(idle|inactive)$/.test(value[i])) i++; // skip the name and its value
    else kept.push(withoutIdle(value[i]));
  }
  return kept;
};

const methods = {
  // strings (t_string.c)
  append: same(async (c, k) => [await c.append(k("s"), "ab"), await c.append(k("s"), "cd"), await c.get(k("s"))]),
  decr: same(async (c, k) => [await c.decr(k("n")), await c.decr(k("n"))]),
  decrby: same(async (c, k) => [await c.decrby(k("n"), 5), await c.get(k("n"))]),
  get: same(async (c, k) => [await c.get(k("missing")), await c.set(k("s"), "v"), await c.get(k("s")), await c.set(k("j"), { a: 1 }), await c.get(k("j"))]),
  getdel: same(async (c, k) => [await c.set(k("s"), "v"), await c.getdel(k("s")), await c.exists(k("s"))]),
  getex: same(async (c, k) => [await c.set(k("s"), "v"), await c.getex(k("s"), { ex: 1000 }), (await c.ttl(k("s"))) > 900, await c.getex(k("s"), { persist: true }), await c.ttl(k("s"))]),
  getrange: same(async (c, k) => [await c.set(k("s"), "Hello World"), await c.getrange(k("s"), 0, 4), await c.getrange(k("s"), -5, -1)]),
  getset: same(async (c, k) => [await c.getset(k("s"), "a"), await c.getset(k("s"), "b"), await c.get(k("s"))]),
  incr: same(async (c, k) => [await c.incr(k("n")), await c.incr(k("n")), await c.set(k("t"), "x"), await c.incr(k("t")).catch(e => e.message)]),
  incrby: same(async (c, k) => [await c.incrby(k("n"), 7), await c.incrby(k("n"), -10)]),
  incrbyfloat: same(async (c, k) => [await c.incrbyfloat(k("n"), 10.5), await c.incrbyfloat(k("n"), 0.1), await c.get(k("n"))]),
  mget: same(async (c, k) => [await c.mset({ [k("a")]: "1", [k("b")]: "x" }), await c.mget(k("a"), k("missing"), k("b"))]),
  mset: same(async (c, k) => [await c.mset({ [k("a")]: 1, [k("b")]: { x: 2 } }), await c.mget(k("a"), k("b"))]),
  msetnx: same(async (c, k) => [await c.msetnx({ [k("a")]: "1", [k("b")]: "2" }), await c.msetnx({ [k("b")]: "3", [k("c")]: "4" }), await c.mget(k("a"), k("b"), k("c"))]),
  psetex: same(async (c, k) => [await c.psetex(k("s"), 1_000_000, "v"), (await c.pttl(k("s"))) > 900_000, await c.get(k("s"))]),
  set: same(async (c, k) => [
    await c.set(k("s"), "v"), await c.set(k("s"), "w", { nx: true }), await c.set(k("s"), "w", { xx: true, get: true }),
    await c.set(k("s"), "x", { ex: 1000 }), (await c.ttl(k("s"))) > 900, await c.set(k("s"), "y", { keepTtl: true }), (await c.ttl(k("s"))) > 900,
    await c.set(k("o"), { a: [1, 2] }), await c.get(k("o")),
  ]),
  setex: same(async (c, k) => [await c.setex(k("s"), 1000, "v"), (await c.ttl(k("s"))) > 900, await c.setex(k("s"), 0, "v").catch(e => e.message)]),
  setnx: same(async (c, k) => [await c.setnx(k("s"), "a"), await c.setnx(k("s"), "b"), await c.get(k("s"))]),
  setrange: same(async (c, k) => [await c.set(k("s"), "Hello World"), await c.setrange(k("s"), 6, "Redis"), await c.get(k("s")), await c.setrange(k("p"), 3, "x"), await c.strlen(k("p"))]),
  strlen: same(async (c, k) => [await c.strlen(k("s")), await c.set(k("s"), "héllo"), await c.strlen(k("s"))]),

  // bitmaps (bitops.c)
  bitcount: same(async (c, k) => [await c.set(k("s"), "foobar"), await c.bitcount(k("s")), await c.bitcount(k("s"), 1, 1)]),
  bitfield: same(async (c, k) => [await c.bitfield(k("b")).set("u8", 0, 255).get("u4", 0).incrby("u8", 0, 10).exec(),
    await c.bitfield(k("b")).overflow("SAT").incrby("i8", 8, 200).exec()],
    // With auto-pipelining the client wraps bitfield() so that it returns a promise, not its builder.
    "single"),
  bitop: same(async (c, k) => [await c.set(k("a"), "abc"), await c.set(k("b"), "ab"), await c.bitop("and", k("d"), k("a"), k("b")), await c.get(k("d")),
    await c.bitop("not", k("n"), k("a")), await c.strlen(k("n"))]),
  bitpos: same(async (c, k) => [await c.setbit(k("b"), 10, 1), await c.bitpos(k("b"), 1), await c.bitpos(k("b"), 0), await c.bitpos(k("b"), 1, 2, 3)]),
  getbit: same(async (c, k) => [await c.setbit(k("b"), 7, 1), await c.getbit(k("b"), 7), await c.getbit(k("b"), 100)]),
  setbit: same(async (c, k) => [await c.setbit(k("b"), 7, 1), await c.setbit(k("b"), 7, 0), await c.get(k("b"))]),

  // keys (db.c, expire.c)
  copy: same(async (c, k) => [await c.set(k("a"), "v"), await c.copy(k("a"), k("b")), await c.copy(k("a"), k("b")), await c.copy(k("a"), k("b"), { replace: true }), await c.get(k("b"))]),
  del: same(async (c, k) => [await c.set(k("a"), "1"), await c.sadd(k("b"), "m"), await c.del(k("a"), k("b"), k("missing"))]),
  exists: same(async (c, k) => [await c.set(k("a"), "1"), await c.exists(k("a"), k("a"), k("missing"))]),
  expire: same(async (c, k) => [await c.set(k("a"), "1"), await c.expire(k("a"), 1000), await c.expire(k("a"), 500, "GT"), await c.expire(k("a"), 500, "LT"),
    (await c.ttl(k("a"))) > 400, await c.expire(k("missing"), 10)]),
  expireat: same(async (c, k) => [await c.set(k("a"), "1"), await c.expireat(k("a"), Math.floor(Date.now() / 1000) + 1000), (await c.ttl(k("a"))) > 900,
    await c.expireat(k("a"), 1), await c.exists(k("a"))]),
  persist: same(async (c, k) => [await c.setex(k("a"), 1000, "1"), await c.persist(k("a")), await c.persist(k("a")), await c.ttl(k("a"))]),
  pexpire: same(async (c, k) => [await c.set(k("a"), "1"), await c.pexpire(k("a"), 1_000_000), (await c.pttl(k("a"))) > 900_000]),
  pexpireat: same(async (c, k) => [await c.set(k("a"), "1"), await c.pexpireat(k("a"), Date.now() + 1_000_000), (await c.pttl(k("a"))) > 900_000]),
  pttl: same(async (c, k) => [await c.pttl(k("missing")), await c.set(k("a"), "1"), await c.pttl(k("a"))]),
  ttl: same(async (c, k) => [await c.ttl(k("missing")), await c.set(k("a"), "1"), await c.ttl(k("a"))]),
  rename: same(async (c, k) => [await c.set(k("a"), "1"), await c.rename(k("a"), k("b")), await c.get(k("b")), await c.rename(k("missing"), k("c")).catch(e => e.message)]),
  renamenx: same(async (c, k) => [await c.set(k("a"), "1"), await c.set(k("b"), "2"), await c.renamenx(k("a"), k("b")), await c.renamenx(k("a"), k("c")), await c.get(k("c"))]),
  touch: same(async (c, k) => [await c.set(k("a"), "1"), await c.touch(k("a"), k("missing"))]),
  type: same(async (c, k) => [await c.set(k("s"), "1"), await c.lpush(k("l"), "x"), await c.hset(k("h"), { f: 1 }), await c.xadd(k("x"), "1-1", { f: 1 }),
    await c.type(k("s")), await c.type(k("l")), await c.type(k("h")), await c.type(k("x")), await c.type(k("missing"))]),
  unlink: same(async (c, k) => [await c.set(k("a"), "1"), await c.unlink(k("a"), k("missing"))]),
  keys: same(async (c, k) => [await c.mset({ [k("a1")]: 1, [k("a2")]: 2, [k("b1")]: 3 }), sorted(await c.keys(k("a*"))), await c.keys(k("none*"))]),
  scan: same(async (c, k) => {
    for (let i = 0; i < 25; i++) await c.set(k(`s${i}`), i);
    await c.sadd(k("set"), "m");
    const walkAll = async options => {
      const seen = [];
      let cursor = "0";
      do { const [next, keys] = await c.scan(cursor, options); seen.push(...keys); cursor = next; } while (cursor !== "0");
      return sorted(seen);
    };
    return [await walkAll({ match: k("s*"), count: 5 }), await walkAll({ match: k("*"), type: "set" }),
      // WITHTYPE is Upstash's own SCAN option: Redis 7.0 refuses it, and so does the store.
      await c.scan("0", { match: k("*"), withType: true }).catch(e => e.message)];
  }),
  dbsize: notCompared("counts the whole keyspace, which the store shares with other tests; only its shape is checked"),
  randomkey: notCompared("picks from the whole keyspace, which the store shares with other tests; only its shape is checked"),
  flushall: notCompared("would empty the shared store"),
  flushdb: notCompared("would empty the shared store"),

  // hashes (t_hash.c)
  hdel: same(async (c, k) => [await c.hset(k("h"), { a: 1, b: 2 }), await c.hdel(k("h"), "a", "missing"), await c.hdel(k("h"), "b"), await c.exists(k("h"))]),
  hexists: same(async (c, k) => [await c.hset(k("h"), { a: 1 }), await c.hexists(k("h"), "a"), await c.hexists(k("h"), "b")]),
  hget: same(async (c, k) => [await c.hset(k("h"), { a: "x", o: { y: 1 } }), await c.hget(k("h"), "a"), await c.hget(k("h"), "o"), await c.hget(k("h"), "missing")]),
  hgetall: same(async (c, k) => [await c.hgetall(k("missing")), await c.hset(k("h"), { a: "x", n: 2 }), await c.hgetall(k("h"))]),
  hincrby: same(async (c, k) => [await c.hincrby(k("h"), "n", 5), await c.hincrby(k("h"), "n", -2)]),
  hincrbyfloat: same(async (c, k) => [await c.hincrbyfloat(k("h"), "n", 1.5), await c.hincrbyfloat(k("h"), "n", 0.25)]),
  hkeys: same(async (c, k) => [await c.hset(k("h"), { a: 1, b: 2 }), sorted(await c.hkeys(k("h")))]),
  hlen: same(async (c, k) => [await c.hset(k("h"), { a: 1, b: 2 }), await c.hlen(k("h")), await c.hlen(k("missing"))]),
  hmget: same(async (c, k) => [await c.hset(k("h"), { a: "x", b: 2 }), await c.hmget(k("h"), "a", "missing", "b"), await c.hmget(k("missing"), "a")]),
  hmset: same(async (c, k) => [await c.hmset(k("h"), { a: "x", b: 2 }), await c.hgetall(k("h"))]),
  hrandfield: same(async (c, k) => [await c.hset(k("h"), { only: "v" }), await c.hrandfield(k("h")), await c.hrandfield(k("h"), 1), await c.hrandfield(k("h"), 1, true)]),
  hscan: same(async (c, k) => [await c.hset(k("h"), { a: 1, b: 2, c: 3 }), await c.hscan(k("h"), 0, { match: "[ab]" })]),
  hset: same(async (c, k) => [await c.hset(k("h"), { a: 1, b: 2 }), await c.hset(k("h"), { b: 3, c: 4 }), await c.hgetall(k("h"))]),
  hsetnx: same(async (c, k) => [await c.hsetnx(k("h"), "a", "1"), await c.hsetnx(k("h"), "a", "2"), await c.hget(k("h"), "a")]),
  hstrlen: same(async (c, k) => [await c.hset(k("h"), { a: "hello" }), await c.hstrlen(k("h"), "a"), await c.hstrlen(k("h"), "missing")]),
  hvals: same(async (c, k) => [await c.hset(k("h"), { a: "x", b: "y" }), sorted(await c.hvals(k("h")))]),
  // hash field expiry (Redis 7.4) and HGETDEL/HGETEX/HSETEX (Redis 8.0): checked by their documented replies
  hexpire: newer("7.4", async (c, k) => [await c.hset(k("h"), { a: 1 }), await c.hexpire(k("h"), ["a", "missing"], 1000)], r => assert.deepEqual(r, [1, [1, -2]])),
  hexpireat: newer("7.4", async (c, k) => [await c.hset(k("h"), { a: 1 }), await c.hexpireat(k("h"), "a", Math.floor(Date.now() / 1000) + 1000)], r => assert.deepEqual(r, [1, [1]])),
  hexpiretime: newer("7.4", async (c, k) => { await c.hset(k("h"), { a: 1, b: 2 }); const at = Math.floor(Date.now() / 1000) + 1000; await c.hexpireat(k("h"), "a", at); return [at, await c.hexpiretime(k("h"), ["a", "b"])]; },
    ([at, reply]) => assert.deepEqual(reply, [at, -1])),
  hpersist: newer("7.4", async (c, k) => [await c.hset(k("h"), { a: 1, b: 2 }), await c.hexpire(k("h"), "a", 1000), await c.hpersist(k("h"), ["a", "b"])], r => assert.deepEqual(r[2], [1, -1])),
  hpexpire: newer("7.4", async (c, k) => [await c.hset(k("h"), { a: 1 }), await c.hpexpire(k("h"), "a", 1_000_000), await c.hpttl(k("h"), "a")],
    ([, set, [pttl]]) => { assert.deepEqual(set, [1]); assert.ok(pttl > 900_000 && pttl <= 1_000_000, `pttl ${pttl}`); }),
  hpexpireat: newer("7.4", async (c, k) => { await c.hset(k("h"), { a: 1 }); const at = Date.now() + 1_000_000; return [at, await c.hpexpireat(k("h"), "a", at), await c.hpexpiretime(k("h"), "a")]; },
    ([at, set, time]) => { assert.deepEqual(set, [1]); assert.deepEqual(time, [at]); }),
  hpexpiretime: newer("7.4", async (c, k) => [await c.hset(k("h"), { a: 1 }), await c.hpexpiretime(k("h"), ["a", "missing"])], r => assert.deepEqual(r[1], [-1, -2])),
  hpttl: newer("7.4", async (c, k) => [await c.hset(k("h"), { a: 1 }), await c.hpttl(k("h"), "a"), await c.hpttl(k("missing"), "a")], r => assert.deepEqual(r.slice(1), [[-1], [-2]])),
  httl: newer("7.4", async (c, k) => [await c.hset(k("h"), { a: 1 }), await c.hexpire(k("h"), "a", 1000), await c.httl(k("h"), ["a", "missing"])],
    ([, , [ttl, missing]]) => { assert.ok(ttl > 900 && ttl <= 1000, `ttl ${ttl}`); assert.equal(missing, -2); }),
  hgetdel: newer("8.0", async (c, k) => [await c.hset(k("h"), { a: "x", b: "y" }), await c.hgetdel(k("h"), "a"), await c.hgetall(k("h"))], r => assert.deepEqual(r, [2, { a: "x" }, { b: "y" }])),
  hgetex: newer("8.0", async (c, k) => [await c.hset(k("h"), { a: "x" }), await c.hgetex(k("h"), { ex: 1000 }, "a"), await c.httl(k("h"), "a")],
    ([, got, [ttl]]) => { assert.deepEqual(got, { a: "x" }); assert.ok(ttl > 900 && ttl <= 1000, `ttl ${ttl}`); }),
  hsetex: newer("8.0", async (c, k) => [await c.hsetex(k("h"), { expiration: { ex: 1000 } }, { a: "x" }), await c.hget(k("h"), "a"), await c.httl(k("h"), "a")],
    ([set, value, [ttl]]) => { assert.equal(set, 1); assert.equal(value, "x"); assert.ok(ttl > 900 && ttl <= 1000, `ttl ${ttl}`); }),

  // lists (t_list.c)
  lindex: same(async (c, k) => [await c.rpush(k("l"), "a", "b"), await c.lindex(k("l"), -1), await c.lindex(k("l"), 5)]),
  linsert: same(async (c, k) => [await c.rpush(k("l"), "a", "c"), await c.linsert(k("l"), "before", "c", "b"), await c.linsert(k("l"), "after", "zz", "x"), await c.lrange(k("l"), 0, -1)]),
  llen: same(async (c, k) => [await c.llen(k("l")), await c.rpush(k("l"), "a", "b"), await c.llen(k("l"))]),
  lmove: same(async (c, k) => [await c.rpush(k("a"), "1", "2"), await c.lmove(k("a"), k("b"), "left", "right"), await c.lmove(k("a"), k("a"), "right", "left"), await c.lrange(k("a"), 0, -1), await c.lrange(k("b"), 0, -1)]),
  lmpop: same(async (c, k) => [await c.rpush(k("b"), "1", "2", "3"), await c.lmpop(2, [k("a"), k("b")], "LEFT", 2), await c.lmpop(1, [k("a")], "RIGHT")]),
  lpop: same(async (c, k) => [await c.rpush(k("l"), "a", "b", "c"), await c.lpop(k("l")), await c.lpop(k("l"), 5), await c.lpop(k("l"))]),
  lpos: same(async (c, k) => [await c.rpush(k("l"), "a", "b", "a", "c", "a"), await c.lpos(k("l"), "a"), await c.lpos(k("l"), "a", { rank: 2 }), await c.lpos(k("l"), "a", { count: 0 }), await c.lpos(k("l"), "z")]),
  lpush: same(async (c, k) => [await c.lpush(k("l"), "a", "b"), await c.lpush(k("l"), { o: 1 }), await c.lrange(k("l"), 0, -1)]),
  lpushx: same(async (c, k) => [await c.lpushx(k("l"), "a"), await c.lpush(k("l"), "a"), await c.lpushx(k("l"), "b"), await c.lrange(k("l"), 0, -1)]),
  lrange: same(async (c, k) => [await c.rpush(k("l"), "a", "b", "c"), await c.lrange(k("l"), 1, 100), await c.lrange(k("l"), -2, -1), await c.lrange(k("missing"), 0, -1)]),
  lrem: same(async (c, k) => [await c.rpush(k("l"), "a", "b", "a", "a"), await c.lrem(k("l"), -2, "a"), await c.lrange(k("l"), 0, -1)]),
  lset: same(async (c, k) => [await c.rpush(k("l"), "a", "b"), await c.lset(k("l"), 1, "x"), await c.lset(k("l"), 5, "y").catch(e => e.message), await c.lrange(k("l"), 0, -1)]),
  ltrim: same(async (c, k) => [await c.rpush(k("l"), "a", "b", "c", "d"), await c.ltrim(k("l"), 1, -2), await c.lrange(k("l"), 0, -1)]),
  rpop: same(async (c, k) => [await c.rpush(k("l"), "a", "b", "c"), await c.rpop(k("l")), await c.rpop(k("l"), 2), await c.rpop(k("l"))]),
  rpush: same(async (c, k) => [await c.rpush(k("l"), "a", 2), await c.set(k("s"), "x"), await c.rpush(k("s"), "a").catch(e => e.message)]),
  rpushx: same(async (c, k) => [await c.rpushx(k("l"), "a"), await c.rpush(k("l"), "a"), await c.rpushx(k("l"), "b", "c"), await c.lrange(k("l"), 0, -1)]),

  // sets (t_set.c): member order is the server's hash order, so sets compare sorted
  sadd: same(async (c, k) => [await c.sadd(k("s"), "a", "b"), await c.sadd(k("s"), "b", "c"), sorted(await c.smembers(k("s")))]),
  scard: same(async (c, k) => [await c.scard(k("s")), await c.sadd(k("s"), "a", "b"), await c.scard(k("s"))]),
  sdiff: same(async (c, k) => [await c.sadd(k("a"), "1", "2", "3"), await c.sadd(k("b"), "2"), sorted(await c.sdiff(k("a"), k("b"), k("missing")))]),
  sdiffstore: same(async (c, k) => [await c.sadd(k("a"), "1", "2"), await c.sadd(k("b"), "2"), await c.sdiffstore(k("d"), k("a"), k("b")), await c.smembers(k("d"))]),
  sinter: same(async (c, k) => [await c.sadd(k("a"), "1", "2", "3"), await c.sadd(k("b"), "2", "3"), sorted(await c.sinter(k("a"), k("b")))]),
  sintercard: same(async (c, k) => [await c.sadd(k("a"), "1", "2", "3"), await c.sadd(k("b"), "2", "3"), await c.sintercard([k("a"), k("b")]), await c.sintercard([k("a"), k("b")], { limit: 1 })]),
  sinterstore: same(async (c, k) => [await c.sadd(k("a"), "1", "2"), await c.sadd(k("b"), "2"), await c.sinterstore(k("d"), k("a"), k("b")), await c.smembers(k("d"))]),
  sismember: same(async (c, k) => [await c.sadd(k("s"), "a"), await c.sismember(k("s"), "a"), await c.sismember(k("s"), "b")]),
  smembers: same(async (c, k) => [await c.smembers(k("missing")), await c.sadd(k("s"), "b", "a", 3), sorted(await c.smembers(k("s")))]),
  smismember: same(async (c, k) => [await c.sadd(k("s"), "a"), await c.smismember(k("s"), ["a", "b"])]),
  smove: same(async (c, k) => [await c.sadd(k("a"), "m"), await c.smove(k("a"), k("b"), "m"), await c.smove(k("a"), k("b"), "m"), await c.smembers(k("b"))]),
  spop: same(async (c, k) => [await c.sadd(k("s"), "only"), await c.spop(k("s")), await c.spop(k("s")), await c.sadd(k("t"), "one"), await c.spop(k("t"), 5)]),
  srandmember: same(async (c, k) => [await c.sadd(k("s"), "only"), await c.srandmember(k("s")), await c.srandmember(k("s"), 3), await c.srandmember(k("missing"))]),
  srem: same(async (c, k) => [await c.sadd(k("s"), "a", "b"), await c.srem(k("s"), "a", "z"), await c.smembers(k("s"))]),
  sscan: same(async (c, k) => [await c.sadd(k("s"), "a1", "a2", "b1"), await c.sscan(k("s"), 0, { match: "a*" }).then(([cursor, members]) => [cursor, sorted(members)])]),
  sunion: same(async (c, k) => [await c.sadd(k("a"), "1", "2"), await c.sadd(k("b"), "2", "3"), sorted(await c.sunion(k("a"), k("b")))]),
  sunionstore: same(async (c, k) => [await c.sadd(k("a"), "1"), await c.sadd(k("b"), "2"), await c.sunionstore(k("d"), k("a"), k("b")), sorted(await c.smembers(k("d")))]),

  // sorted sets (t_zset.c)
  zadd: same(async (c, k) => [await c.zadd(k("z"), { score: 1, member: "a" }, { score: 2, member: "b" }), await c.zadd(k("z"), { ch: true }, { score: 3, member: "a" }),
    await c.zadd(k("z"), { incr: true }, { score: 1.5, member: "b" }), await c.zadd(k("z"), { nx: true }, { score: 9, member: "a" }), await c.zrange(k("z"), 0, -1, { withScores: true })]),
  zcard: same(async (c, k) => [await c.zcard(k("z")), await c.zadd(k("z"), { score: 1, member: "a" }), await c.zcard(k("z"))]),
  zcount: same(async (c, k) => [await c.zadd(k("z"), { score: 1, member: "a" }, { score: 2, member: "b" }, { score: 3, member: "c" }), await c.zcount(k("z"), 2, "+inf"), await c.zcount(k("z"), "(1", 2)]),
  zdiffstore: same(async (c, k) => [await c.zadd(k("a"), { score: 1, member: "x" }, { score: 2, member: "y" }), await c.zadd(k("b"), { score: 1, member: "x" }),
    await c.zdiffstore(k("d"), 2, k("a"), k("b")), await c.zrange(k("d"), 0, -1, { withScores: true })]),
  zincrby: same(async (c, k) => [await c.zincrby(k("z"), 2.5, "a"), await c.zincrby(k("z"), -1, "a")]),
  zinterstore: same(async (c, k) => [await c.zadd(k("a"), { score: 1, member: "x" }, { score: 2, member: "y" }), await c.zadd(k("b"), { score: 3, member: "x" }),
    await c.zinterstore(k("d"), 2, [k("a"), k("b")], { weights: [2, 1], aggregate: "max" }), await c.zrange(k("d"), 0, -1, { withScores: true })]),
  zlexcount: same(async (c, k) => [await c.zadd(k("z"), { score: 0, member: "a" }, { score: 0, member: "b" }, { score: 0, member: "c" }), await c.zlexcount(k("z"), "[b", "+"), await c.zlexcount(k("z"), "-", "(b")]),
  zmscore: same(async (c, k) => [await c.zadd(k("z"), { score: 1.5, member: "a" }), await c.zmscore(k("z"), ["a", "missing"])]),
  zpopmax: same(async (c, k) => [await c.zadd(k("z"), { score: 1, member: "a" }, { score: 2, member: "b" }, { score: 3, member: "c" }), await c.zpopmax(k("z")), await c.zpopmax(k("z"), 5)]),
  zpopmin: same(async (c, k) => [await c.zadd(k("z"), { score: 1, member: "a" }, { score: 2, member: "b" }, { score: 3, member: "c" }), await c.zpopmin(k("z")), await c.zpopmin(k("z"), 5)]),
  zrange: same(async (c, k) => [await c.zadd(k("z"), { score: 1, member: "a" }, { score: 2, member: "b" }, { score: 3, member: "c" }),
    await c.zrange(k("z"), 0, -1), await c.zrange(k("z"), 0, 1, { rev: true, withScores: true }), await c.zrange(k("z"), "(1", "+inf", { byScore: true, offset: 0, count: 1 }),
    await c.zrange(k("z"), "+", "[b", { byLex: true, rev: true })]),
  zrank: same(async (c, k) => [await c.zadd(k("z"), { score: 1, member: "a" }, { score: 2, member: "b" }), await c.zrank(k("z"), "b"), await c.zrank(k("z"), "missing")]),
  zrem: same(async (c, k) => [await c.zadd(k("z"), { score: 1, member: "a" }, { score: 2, member: "b" }), await c.zrem(k("z"), "a", "missing"), await c.zrange(k("z"), 0, -1)]),
  zremrangebylex: same(async (c, k) => [await c.zadd(k("z"), { score: 0, member: "a" }, { score: 0, member: "b" }, { score: 0, member: "c" }), await c.zremrangebylex(k("z"), "[a", "(c"), await c.zrange(k("z"), 0, -1)]),
  zremrangebyrank: same(async (c, k) => [await c.zadd(k("z"), { score: 1, member: "a" }, { score: 2, member: "b" }, { score: 3, member: "c" }), await c.zremrangebyrank(k("z"), 0, 1), await c.zrange(k("z"), 0, -1)]),
  zremrangebyscore: same(async (c, k) => [await c.zadd(k("z"), { score: 1, member: "a" }, { score: 2, member: "b" }, { score: 3, member: "c" }), await c.zremrangebyscore(k("z"), 2, "+inf"), await c.zrange(k("z"), 0, -1)]),
  zrevrank: same(async (c, k) => [await c.zadd(k("z"), { score: 1, member: "a" }, { score: 2, member: "b" }), await c.zrevrank(k("z"), "b"), await c.zrevrank(k("z"), "missing")]),
  zscan: same(async (c, k) => [await c.zadd(k("z"), { score: 1, member: "a" }, { score: 2.5, member: "b" }), await c.zscan(k("z"), 0)]),
  zscore: same(async (c, k) => [await c.zadd(k("z"), { score: 1.25, member: "a" }), await c.zscore(k("z"), "a"), await c.zscore(k("z"), "missing")]),
  zunion: same(async (c, k) => [await c.zadd(k("a"), { score: 1, member: "x" }), await c.zadd(k("b"), { score: 2, member: "x" }, { score: 5, member: "y" }),
    await c.zunion(2, [k("a"), k("b")], { withScores: true }), await c.zunion(2, [k("a"), k("b")], { aggregate: "min", withScores: true })]),
  zunionstore: same(async (c, k) => [await c.zadd(k("a"), { score: 1, member: "x" }), await c.zadd(k("b"), { score: 2, member: "x" }),
    await c.zunionstore(k("d"), 2, [k("a"), k("b")], { weights: [1, 3] }), await c.zrange(k("d"), 0, -1, { withScores: true })]),

  // geo (geo.c)
  geoadd: same(async (c, k) => [await c.geoadd(k("g"), { longitude: 13.361389, latitude: 38.115556, member: "Palermo" }, { longitude: 15.087269, latitude: 37.502669, member: "Catania" }),
    await c.geoadd(k("g"), { ch: true }, { longitude: 13.4, latitude: 38.1, member: "Palermo" }), await c.zrange(k("g"), 0, -1, { withScores: true })]),
  geodist: same(async (c, k) => [await c.geoadd(k("g"), { longitude: 13.361389, latitude: 38.115556, member: "Palermo" }, { longitude: 15.087269, latitude: 37.502669, member: "Catania" }),
    await c.geodist(k("g"), "Palermo", "Catania"), await c.geodist(k("g"), "Palermo", "Catania", "KM"), await c.geodist(k("g"), "Palermo", "missing")]),
  geohash: same(async (c, k) => [await c.geoadd(k("g"), { longitude: 13.361389, latitude: 38.115556, member: "Palermo" }), await c.geohash(k("g"), "Palermo", "missing")]),
  geopos: same(async (c, k) => [await c.geoadd(k("g"), { longitude: 13.361389, latitude: 38.115556, member: "Palermo" }), await c.geopos(k("g"), "Palermo", "missing")]),
  geosearch: same(async (c, k) => [await c.geoadd(k("g"), { longitude: 13.361389, latitude: 38.115556, member: "Palermo" }, { longitude: 15.087269, latitude: 37.502669, member: "Catania" }),
    await c.geosearch(k("g"), { type: "FROMLONLAT", coordinate: { lon: 15, lat: 37 } }, { type: "BYRADIUS", radius: 200, radiusType: "KM" }, "ASC", { withCoord: true, withDist: true, withHash: true }),
    await c.geosearch(k("g"), { type: "FROMMEMBER", member: "Palermo" }, { type: "BYBOX", rect: { width: 400, height: 400 }, rectType: "KM" }, "DESC", { count: { limit: 1 } })]),
  geosearchstore: same(async (c, k) => [await c.geoadd(k("g"), { longitude: 13.361389, latitude: 38.115556, member: "Palermo" }, { longitude: 15.087269, latitude: 37.502669, member: "Catania" }),
    await c.geosearchstore(k("d"), k("g"), { type: "FROMLONLAT", coordinate: { lon: 15, lat: 37 } }, { type: "BYRADIUS", radius: 200, radiusType: "KM" }, "ASC", { storeDist: true }),
    await c.zrange(k("d"), 0, -1, { withScores: true })]),

  // HyperLogLog (hyperloglog.c)
  pfadd: same(async (c, k) => [await c.pfadd(k("h"), "a", "b", "c"), await c.pfadd(k("h"), "a"), await c.get(k("h"))]),
  pfcount: same(async (c, k) => [await c.pfadd(k("a"), ...Array.from({ length: 100 }, (_, i) => `m${i}`)), await c.pfadd(k("b"), "m1", "x"), await c.pfcount(k("a")), await c.pfcount(k("a"), k("b"))]),
  pfmerge: same(async (c, k) => [await c.pfadd(k("a"), "1", "2"), await c.pfadd(k("b"), "2", "3"), await c.pfmerge(k("d"), k("a"), k("b")), await c.pfcount(k("d"))]),

  // streams (t_stream.c): explicit IDs, since XADD *'s ID is each server's clock
  xadd: same(async (c, k) => [await c.xadd(k("x"), "1-1", { f: "v", n: 1 }), await c.xadd(k("x"), "1-*", { g: "w" }), await c.xadd(k("x"), "1-1", { f: "v" }).catch(e => e.message),
    await c.xadd(k("x"), "5-0", { h: 1 }, { nomkStream: false, trim: { type: "MAXLEN", threshold: 2, comparison: "=" } }), await c.xrange(k("x"), "-", "+")]),
  xack: same(async (c, k) => { const key = await streamWithGroup(c, k); return [await c.xack(key, "g", ["1-1", "9-9"]), await c.xack(key, "g", "1-1")]; }),
  xautoclaim: same(async (c, k) => { const key = await streamWithGroup(c, k); return [await c.xautoclaim(key, "g", "bob", 0, "0-0", { count: 10 }), await c.xautoclaim(key, "g", "carol", 0, "0-0", { justId: true })]; }),
  xclaim: same(async (c, k) => { const key = await streamWithGroup(c, k); return [await c.xclaim(key, "g", "bob", 0, ["1-1", "2-1"]), await c.xclaim(key, "g", "carol", 0, "1-1", { justId: true })]; }),
  xdel: same(async (c, k) => { const key = await stream(c, k); return [await c.xdel(key, ["1-1", "9-9"]), await c.xdel(key, "2-1"), await c.xlen(key)]; }),
  xgroup: same(async (c, k) => { const key = await stream(c, k); return [
    await c.xgroup(key, { type: "CREATE", group: "g", id: "$" }), await c.xgroup(key, { type: "CREATE", group: "g", id: "$" }).catch(e => e.message),
    await c.xgroup(k("new"), { type: "CREATE", group: "g", id: "0", options: { MKSTREAM: true } }),
    await c.xgroup(key, { type: "CREATECONSUMER", group: "g", consumer: "c1" }), await c.xgroup(key, { type: "DELCONSUMER", group: "g", consumer: "c1" }),
    await c.xgroup(key, { type: "SETID", group: "g", id: "1-1" }), await c.xgroup(key, { type: "DESTROY", group: "g" })]; }),
  xinfo: same(async (c, k) => { const key = await streamWithGroup(c, k); return withoutIdle([await c.xinfo(key, { type: "GROUPS" }), await c.xinfo(key, { type: "CONSUMERS", group: "g" })]); }),
  xlen: same(async (c, k) => [await c.xlen(k("missing")), await c.xlen(await stream(c, k))]),
  xpending: same(async (c, k) => { const key = await streamWithGroup(c, k); return [await c.xpending(key, "g", "-", "+", 10), await c.xpending(key, "g", "-", "+", 10, { consumer: "alice" })]
    .map(entries => entries.map(([id, consumer, , deliveries]) => [id, consumer, deliveries])); }), // [id, consumer, idle ms, deliveries]: the idle time is dropped
  xrange: same(async (c, k) => { const key = await stream(c, k); return [await c.xrange(key, "-", "+"), await c.xrange(key, "2", "+", 1)]; }),
  xread: same(async (c, k) => { const key = await stream(c, k); return [await c.xread(key, "1-1"), await c.xread([key, k("missing")], ["0", "0"], { count: 1 })]; }),
  xreadgroup: same(async (c, k) => { const key = await stream(c, k); await c.xgroup(key, { type: "CREATE", group: "g", id: "0" });
    return [await c.xreadgroup("g", "alice", key, ">", { count: 1 }), await c.xreadgroup("g", "alice", key, "0"), await c.xreadgroup("g", "bob", key, ">", { NOACK: true })]; }),
  xrevrange: same(async (c, k) => { const key = await stream(c, k); return [await c.xrevrange(key, "+", "-"), await c.xrevrange(key, "+", "-", 2)]; }),
  xtrim: same(async (c, k) => { const key = await stream(c, k); return [await c.xtrim(key, { strategy: "MAXLEN", threshold: 2, exactness: "=" }), await c.xtrim(key, { strategy: "MINID", threshold: "3-1" }), await c.xlen(key)]; }),
  // Redis 8.2
  xackdel: newer("8.2", async (c, k) => { const key = await streamWithGroup(c, k); return [await c.xackdel(key, "g", "DELREF", "1-1", "9-9"), await c.xlen(key)]; }, r => assert.deepEqual(r, [[1, -1], 2])),
  xdelex: newer("8.2", async (c, k) => { const key = await stream(c, k); return [await c.xdelex(key, undefined, "1-1", "9-9"), await c.xlen(key)]; }, r => assert.deepEqual(r, [[1, -1], 2])),

  // scripting (eval.c, functions.c)
  eval: same(async (c, k) => [await c.eval(lua, [k("n")], ["5"]), await c.eval("return redis.call('nosuch')", [], []).catch(e => e.message.replace(/script: \w+/, "script"))]),
  evalRo: same(async (c, k) => [await c.set(k("s"), "v"), await c.evalRo("return redis.call('get', KEYS[1])", [k("s")], []),
    await c.evalRo("return redis.call('set', KEYS[1], 'x')", [k("s")], []).catch(e => /write command/.test(e.message))]),
  evalsha: same(async (c, k) => { const sha = await c.scriptLoad(lua); return [sha, await c.evalsha(sha, [k("n")], ["2"]), await c.evalsha("0".repeat(40), [], []).catch(e => e.message)]; }),
  evalshaRo: same(async (c, k) => { const sha = await c.scriptLoad("return redis.call('get', KEYS[1])"); await c.set(k("s"), "v"); return [await c.evalshaRo(sha, [k("s")], [])]; }),
  scriptExists: same(async c => { const sha = await c.scriptLoad("return 'walk-exists'"); return c.scriptExists(sha, "0".repeat(40)); }),
  scriptLoad: same(async c => c.scriptLoad("return 'walk-load'")),
  scriptFlush: notCompared("empties the shared store's script cache, which other tests' scripts use"),
  "functions.load": same(async c => { const name = `${libraryName}_load`; return [await c.functions.load({ code: library(name) }), await c.functions.load({ code: library(name) }).catch(e => e.message),
    await c.functions.load({ code: library(name), replace: true }), await c.functions.delete(name)]; }),
  "functions.list": same(async c => { const name = `${libraryName}_list`; await c.functions.load({ code: library(name), replace: true });
    const listed = [await c.functions.list({ libraryName: name }), await c.functions.list({ libraryName: name, withCode: true })]; await c.functions.delete(name);
    // Redis lists a library's functions in its dict's (hash) order: compare them by name.
    return listed.map(libraries => libraries.map(l => ({ ...l, functions: [...l.functions].sort((a, b) => a.name.localeCompare(b.name)) }))); }),
  "functions.delete": same(async c => { const name = `${libraryName}_delete`; await c.functions.load({ code: library(name), replace: true }); return [await c.functions.delete(name), await c.functions.delete(name).catch(e => e.message)]; }),
  "functions.call": same(async (c, k) => { const name = `${libraryName}_call`; await c.functions.load({ code: library(name), replace: true }); await c.set(k("s"), "v");
    const replies = [await c.functions.call(`${name}_get`, [k("s")])]; await c.functions.delete(name); return replies; }),
  "functions.callRo": same(async (c, k) => { const name = `${libraryName}_callro`; await c.functions.load({ code: library(name), replace: true }); await c.set(k("s"), "four");
    const replies = [await c.functions.callRo(`${name}_ro`, [k("s")]), await c.functions.callRo(`${name}_get`, [k("s")]).catch(e => /no-writes/.test(e.message))];
    await c.functions.delete(name); return replies; }),
  "functions.stats": shaped(async c => c.functions.stats(), stats => assert.ok(stats.engines?.LUA && Number.isInteger(stats.engines.LUA.librariesCount), JSON.stringify(stats))),
  "functions.flush": notCompared("would delete every function library of the shared store"),

  // server, connection, pub/sub
  echo: same(async c => [await c.echo("hello"), await c.echo("")]),
  ping: same(async c => [await c.ping(), await c.ping("hi")]),
  exec: same(async (c, k) => [await c.exec(["SET", k("s"), "v"]), await c.exec(["GET", k("s")]), await c.exec(["STRLEN", k("s")]), await c.exec(["NOSUCHCOMMAND"]).catch(e => e.message.split(",")[0])]),
  publish: same(async (c, k) => [await c.publish(k("channel-nobody-hears"), "m")]),
  time: shaped(async c => c.time(), ([seconds, micros]) => {
    assert.ok(Number.isInteger(seconds) && Math.abs(seconds - Date.now() / 1000) < 3600, `seconds ${seconds}`);
    assert.ok(Number.isInteger(micros) && micros >= 0 && micros < 1_000_000, `microseconds ${micros}`);
  }),
  clientSetinfo: outOfScope("CLIENT: the REST protocol has no connections (issue 18 leaves CLIENT out); CLIENT SETINFO is also newer than Redis 7.0 (7.2)"),
  // Upstash's server-sent-event subscriptions (issue 17); the bridge serves them from SUBSCRIBE/PSUBSCRIBE.
  subscribe: same(async (c, k) => subscribeAndHear(c, k, false)),
  psubscribe: same(async (c, k) => subscribeAndHear(c, k, true)),
  // Expected failures, e.g. `name: expectedFailure(18, "what brings it", (c, k) => ...)`: none today.

  // Upstash-only families
  ...Object.fromEntries(["arcount", "ardel", "ardelrange", "arget", "argetrange", "argrep", "arinfo", "arinsert", "arlastitems", "arlen", "armget", "armset",
    "arnext", "arop", "arring", "arscan", "arseek", "arset"].map(name => [name, upstashArrays])),

  // the client's own machinery
  use: notACommand("adds middleware to the client"),
  addTelemetry: notACommand("adds telemetry headers to the client's requests"),
  autoPipeline: notACommand("internal: queues a command into the automatic pipeline"),
  pipeline: notACommand("starts a /pipeline batch (the pipeline test below runs one against both)"),
  multi: notACommand("starts a /multi-exec transaction (the transaction test below runs one against both)"),
  createScript: notACommand("wraps EVALSHA/EVAL (upstash-scripts tests it against the store)"),
};
// The namespaces that are modules Redis does not have.
const outOfScopeNamespaces = {
  json: "RedisJSON module commands (JSON.*): a later issue (18 leaves RedisJSON out)",
  search: "Upstash's search (FT.*-like) family: no Redis 7.0 equivalent",
  vector: "Upstash's vector family: no Redis 7.0 equivalent",
};
const classify = name => methods[name] ?? (outOfScopeNamespaces[name.split(".")[0]] && outOfScope(outOfScopeNamespaces[name.split(".")[0]]));

/** Subscribes, publishes one message after the subscription is confirmed, and returns what the subscriber heard. */
async function subscribeAndHear(c, k, pattern) {
  const channel = k("news");
  const subscriber = pattern ? c.psubscribe([`${channel}*`]) : c.subscribe([channel]);
  try {
    const heard = [];
    const failed = new Promise((_, reject) => subscriber.on("error", reject));
    const confirmed = new Promise(resolve => subscriber.on(pattern ? "psubscribe" : "subscribe", resolve));
    const message = new Promise(resolve => subscriber.on(pattern ? "pmessage" : "message", resolve));
    const timeout = ms => new Promise((_, reject) => setTimeout(() => reject(new Error("no reply within the time")), ms).unref());
    heard.push(await Promise.race([confirmed, failed, timeout(60_000)]));
    const receivers = await c.publish(`${channel}${pattern ? ":x" : ""}`, { hello: 1 });
    heard.push(receivers, await Promise.race([message, failed, timeout(60_000)]));
    return heard;
  } finally {
    await subscriber.unsubscribe();
  }
}

const outcome = async (client, method, name, mode) => {
  const keyOf = part => `walk:${run}:${mode}:${name}:${part}`;
  try {
    return { ok: await method.call(client, keyOf) };
  } catch (e) {
    return { error: e.message };
  }
};

test("every command method of the client is classified, on the client and its pipeline", () => {
  const unclassified = clientMethods().filter(name => !classify(name));
  assert.deepEqual(unclassified, [], "classify these methods of the client in the walk");
  const names = new Set(clientMethods());
  const pipelineOnly = pipelineMethods().filter(name => !names.has(name) && !["exec", "length", "chain"].includes(name));
  assert.deepEqual(pipelineOnly, [], "the pipeline has commands the client does not: walk them too");
  const stale = Object.keys(methods).filter(name => !names.has(name));
  assert.deepEqual(stale, [], "the walk classifies methods the client no longer has");
});

const counts = { same: 0, shape: 0, newer: 0, "expected-failure": 0, "not-compared": 0, "out-of-scope": 0, "not-a-command": 0 };
const byKind = Object.fromEntries(Object.keys(counts).map(kind => [kind, []]));
for (const name of clientMethods()) {
  const method = classify(name);
  if (!method) continue; // the classification test above names it
  counts[method.kind]++;
  byKind[method.kind].push(name + (method.issue ? ` (issue ${method.issue}: ${method.what})` : method.version ? ` (Redis ${method.version})` : ""));
  if (["not-compared", "out-of-scope", "not-a-command"].includes(method.kind)) continue;
  for (const mode of Object.keys(modes).filter(m => !method.onlyMode || m === method.onlyMode)) test(`${name} (${method.kind}, ${mode})`, { timeout: 240_000 }, async () => {
    const fromStore = await outcome(clients[mode].store, method, name, mode);
    const fromRedis = await outcome(clients[mode].oracle, method, name, mode);
    switch (method.kind) {
      case "same":
        assert.ok("ok" in fromRedis, `the call itself fails on redis-server: ${fromRedis.error}`);
        assert.deepEqual(fromStore, fromRedis, `${name}: store vs redis-server`);
        break;
      case "shape":
        assert.ok("ok" in fromRedis, `redis-server: ${fromRedis.error}`);
        assert.ok("ok" in fromStore, `store: ${fromStore.error}`);
        method.shape(fromRedis.ok);
        method.shape(fromStore.ok);
        break;
      case "newer":
        // When the oracle learns the command, it moves to "same". (Auto-pipelined, the client's reply
        // parser fails on some commands' error replies before the error text shows: any error then.)
        assert.ok("error" in fromRedis, `redis-server now has ${name}: compare it`);
        if (mode === "single") assert.match(fromRedis.error, /unknown command/i);
        assert.ok("ok" in fromStore, `store: ${fromStore.error}`);
        method.shape(fromStore.ok);
        break;
      case "expected-failure":
        assert.ok("ok" in fromRedis, `the check itself fails on redis-server: ${fromRedis.error}`);
        assert.notDeepEqual(fromStore, fromRedis, `${name} now works on the store (issue ${method.issue}): move it to the compared methods`);
        break;
    }
  });
}

test("the whole-keyspace commands answer with the right shape", async () => {
  const { store } = clients.single;
  await store.set(`walk:${run}:keyspace`, "1");
  const size = await store.dbsize();
  assert.ok(Number.isInteger(size) && size >= 1, `dbsize ${size}`);
  assert.equal(typeof await store.randomkey(), "string");
});

test("a /pipeline and a /multi-exec of mixed commands, errors included, answer as redis-server's", { timeout: 240_000 }, async () => {
  const batch = async (c, kind) => {
    const key = part => `walk:${run}:${kind}:${part}`;
    const queue = kind === "pipeline" ? c.pipeline() : c.multi();
    queue.set(key("s"), "v").incr(key("n")).lpush(key("s"), "x").get(key("s")).zadd(key("z"), { score: 1, member: "m" }).zrange(key("z"), 0, -1, { withScores: true }).hgetall(key("missing"));
    try {
      return { ok: await queue.exec({ keepErrors: true }) };
    } catch (e) {
      return { error: e.message };
    }
  };
  const { store, oracle } = clients.single;
  for (const kind of ["pipeline", "multi"]) assert.deepEqual(await batch(store, kind), await batch(oracle, kind), kind);
});

test("the walk's counts", () => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  assert.equal(total, clientMethods().length);
  console.log(`walked ${total} methods: ${JSON.stringify(counts)}`);
  for (const [kind, names] of Object.entries(byKind)) console.log(`${kind}: ${names.join(", ")}`); // docs/clients.md lists these
});
