// A minimal REST-to-RESP bridge: a Node HTTP server that speaks the Upstash REST contract
// (docs: ../../docs/clients.md) and forwards every command to a redis-server over RESP2, so the
// unchanged @upstash/redis client can run against real Redis for comparison with the store.
// POST <base> [cmd...] -> {result}; POST <base>/pipeline [[...]...] and <base>/multi-exec ->
// [{result}|{error}...]; errors as {"error": "..."} with HTTP 400; `Upstash-Encoding: base64`
// encodes every string except "OK"; POST <base>/subscribe/<ch> and /psubscribe/<pattern> with
// Accept: text/event-stream stream `data: subscribe,<ch>,<n>` / `data: message,<ch>,<payload>` lines.
import http from "node:http";
import net from "node:net";

class RespError {
  constructor(message) { this.message = message; }
}

/** Parses RESP2 replies as they arrive; `take()` yields each complete reply in order. */
class RespParser {
  buffer = Buffer.alloc(0);
  push(chunk) { this.buffer = Buffer.concat([this.buffer, chunk]); }
  /** The next complete reply, or undefined when more bytes are needed. */
  take() {
    const parsed = this.#parse(0);
    if (!parsed) return undefined;
    this.buffer = this.buffer.subarray(parsed.end);
    return parsed;
  }
  #line(at) {
    const end = this.buffer.indexOf("\r\n", at);
    return end < 0 ? undefined : { text: this.buffer.toString("latin1", at + 1, end), next: end + 2 };
  }
  #parse(at) {
    if (at >= this.buffer.length) return undefined;
    const kind = String.fromCharCode(this.buffer[at]);
    const line = this.#line(at);
    if (!line) return undefined;
    switch (kind) {
      case "+": return { value: { simple: Buffer.from(line.text, "latin1").toString("utf8") }, end: line.next };
      case "-": return { value: new RespError(Buffer.from(line.text, "latin1").toString("utf8")), end: line.next };
      case ":": return { value: Number(line.text), end: line.next };
      case "$": {
        const length = Number(line.text);
        if (length < 0) return { value: null, end: line.next };
        if (this.buffer.length < line.next + length + 2) return undefined;
        return { value: this.buffer.subarray(line.next, line.next + length), end: line.next + length + 2 };
      }
      case "*": {
        const count = Number(line.text);
        if (count < 0) return { value: null, end: line.next };
        const items = [];
        let next = line.next;
        for (let i = 0; i < count; i++) {
          const item = this.#parse(next);
          if (!item) return undefined;
          items.push(item.value);
          next = item.end;
        }
        return { value: items, end: next };
      }
      default: throw new Error(`unexpected RESP type byte ${kind}`);
    }
  }
}

function encodeCommand(args) {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) {
    const bytes = Buffer.from(String(arg), "utf8");
    parts.push(`$${bytes.length}\r\n`, bytes, "\r\n");
  }
  return Buffer.concat(parts.map(p => (typeof p === "string" ? Buffer.from(p) : p)));
}

/** One RESP connection; `call(commands)` writes them all and resolves with their replies, in order. */
class RespConnection {
  #socket;
  #parser = new RespParser();
  #waiting = [];
  #queue = Promise.resolve();
  onPush = null; // replies nobody waits for (a subscribed connection's messages)

  static open(port) {
    return new Promise((resolve, reject) => {
      const connection = new RespConnection();
      connection.#socket = net.connect({ port, host: "127.0.0.1" }, () => resolve(connection));
      connection.#socket.once("error", reject);
      connection.#socket.on("data", chunk => connection.#receive(chunk));
    });
  }
  #receive(chunk) {
    this.#parser.push(chunk);
    for (let reply = this.#parser.take(); reply; reply = this.#parser.take()) {
      const waiter = this.#waiting.shift();
      if (waiter) waiter(reply.value);
      else this.onPush?.(reply.value);
    }
  }
  /** Serialized, so one request's commands (a MULTI block) never interleave with another's. */
  call(commands) {
    const run = this.#queue.then(() => {
      const replies = commands.map(() => new Promise(resolve => this.#waiting.push(resolve)));
      this.#socket.write(Buffer.concat(commands.map(encodeCommand)));
      return Promise.all(replies);
    });
    this.#queue = run.catch(() => {});
    return run;
  }
  close() { this.#socket.destroy(); }
}

/** A reply as Upstash's JSON: bulk strings as text (base64 when asked), "OK" always plain, errors inside arrays as {error}. */
function toJson(reply, base64) {
  if (reply === null || typeof reply === "number") return reply;
  if (reply instanceof RespError) return { error: reply.message };
  if (Array.isArray(reply)) return reply.map(item => toJson(item, base64));
  if (reply.simple !== undefined) {
    if (reply.simple === "OK" || !base64) return reply.simple;
    return Buffer.from(reply.simple, "utf8").toString("base64");
  }
  return base64 ? reply.toString("base64") : reply.toString("utf8");
}

function envelope(reply, base64) {
  return reply instanceof RespError ? { error: reply.message } : { result: toJson(reply, base64) };
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the bridge on a free loopback port in front of redis-server at `redisPort`; resolves with { url, close }. */
export async function startBridge(redisPort) {
  const redis = await RespConnection.open(redisPort);
  const streams = new Set();
  const server = http.createServer(async (request, response) => {
    const send = (status, body) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    };
    try {
      const base64 = String(request.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      const path = new URL(request.url, "http://bridge").pathname.split("/").filter(Boolean).map(decodeURIComponent);
      if ((path[0] === "subscribe" || path[0] === "psubscribe") && path.length > 1) {
        await stream(path[0], path.slice(1), request, response);
        return;
      }
      const body = JSON.parse((await readBody(request)) || "null");
      if (path.length === 0) {
        const [reply] = await redis.call([body]);
        if (reply instanceof RespError) send(400, { error: reply.message });
        else send(200, { result: toJson(reply, base64) });
      } else if (path[0] === "pipeline") {
        const replies = await redis.call(body);
        send(200, replies.map(r => envelope(r, base64)));
      } else if (path[0] === "multi-exec") {
        const replies = await redis.call([["MULTI"], ...body, ["EXEC"]]);
        const exec = replies.at(-1);
        if (exec instanceof RespError) send(400, { error: exec.message });
        else send(200, exec.map(r => envelope(r, base64)));
      } else {
        send(404, { error: `ERR the bridge serves no path /${path.join("/")}` });
      }
    } catch (e) {
      send(500, { error: String(e) });
    }
  });

  // A subscription is a RESP connection of its own in subscribe mode; each push becomes an SSE line.
  async function stream(kind, names, request, response) {
    const subscriber = await RespConnection.open(redisPort);
    streams.add(subscriber);
    response.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    const write = items => response.write(`data: ${items.map(i => (Buffer.isBuffer(i) ? i.toString("utf8") : String(i))).join(",")}\n\n`);
    subscriber.onPush = write;
    const closed = () => { streams.delete(subscriber); subscriber.close(); };
    request.on("close", closed);
    response.on("close", closed);
    for (const reply of await subscriber.call([[kind.toUpperCase(), ...names]])) write(reply);
  }

  // The server never closes an idle keep-alive socket first: a request racing that close fails in
  // fetch and the client retries it (once, as it never reached redis-server), after a backoff.
  server.keepAliveTimeout = 10 * 60_000;
  await new Promise(resolve => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    async close() {
      for (const s of streams) s.close();
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
      redis.close();
    },
  };
}
