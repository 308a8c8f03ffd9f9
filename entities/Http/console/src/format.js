// Replies as redis-cli prints them on a terminal (cliFormatReplyTTY in redis-cli.c): (integer) 1,
// "quoted" strings with C escapes, (nil), (error) ..., (empty array), 1) 2) ... with nested arrays
// indented by the width of their index. Replies come base64-encoded (Upstash-Encoding: base64)
// so bytes that are not UTF-8 print as \xNN and a status "OK" stays apart from a string "OK".
import { fromBase64 } from "./api.js";

/** Replies Redis sends as status (+...) rather than bulk strings, besides "OK" (which the REST encoding keeps). */
const STATUS = {
  ping: args => args.length === 1,
  type: () => true,
  bgsave: () => true,
  bgrewriteaof: () => true,
};

/** True when this command's string reply is a status reply (printed without quotes). */
export function isStatus(args) {
  const test = STATUS[String(args[0] ?? "").toLowerCase()];
  return !!test && test(args);
}

/** sdscatrepr: a bulk string in double quotes, escaping what is not printable ASCII. */
export function quote(bytes) {
  let out = '"';
  for (const b of bytes) {
    switch (b) {
      case 0x5c: out += "\\\\"; break;
      case 0x22: out += '\\"'; break;
      case 0x0a: out += "\\n"; break;
      case 0x0d: out += "\\r"; break;
      case 0x09: out += "\\t"; break;
      case 0x07: out += "\\a"; break;
      case 0x08: out += "\\b"; break;
      default:
        out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "\\x" + b.toString(16).padStart(2, "0");
    }
  }
  return out + '"';
}

/**
 * One reply as redis-cli prints it. `reply` is a {result} or {error} envelope's content as the
 * store sent it with base64 encoding; `status` says a top-level string is a status reply.
 */
export function formatReply(reply, status = false, prefix = "") {
  if (reply && typeof reply === "object" && !Array.isArray(reply) && "error" in reply) return `(error) ${reply.error}\n`;
  if (reply === null || reply === undefined) return "(nil)\n";
  if (typeof reply === "number") return `(integer) ${reply}\n`;
  if (typeof reply === "string") {
    if (reply === "OK") return "OK\n";
    const bytes = fromBase64(reply);
    return (status ? new TextDecoder().decode(bytes) : quote(bytes)) + "\n";
  }
  if (Array.isArray(reply)) {
    if (reply.length === 0) return "(empty array)\n";
    const width = String(reply.length).length;
    const inner = prefix + " ".repeat(width + 2);
    let out = "";
    reply.forEach((item, i) => {
      out += (i === 0 ? "" : prefix) + String(i + 1).padStart(width, " ") + ") ";
      out += formatReply(item, false, inner);
    });
    return out;
  }
  return String(reply) + "\n";
}

/**
 * A command line split as redis-cli splits it (sdssplitargs): spaces separate arguments, "double
 * quotes" take C escapes (\n, \xNN...), 'single quotes' take \' only. Throws on unbalanced quotes.
 */
export function splitArgs(line) {
  const args = [];
  let i = 0;
  while (true) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) return args;
    let current = "";
    let inDouble = false, inSingle = false;
    for (;;) {
      const c = line[i];
      if (inDouble) {
        if (c === undefined) throw new Error("Invalid argument(s): unbalanced quotes");
        if (c === "\\" && line[i + 1] === "x" && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === "\\" && line[i + 1] !== undefined) {
          i++;
          current += { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" }[line[i]] ?? line[i];
        } else if (c === '"') {
          if (line[i + 1] !== undefined && !/\s/.test(line[i + 1])) throw new Error("Invalid argument(s): a closing quote must be followed by a space");
          inDouble = false;
          i++;
          break;
        } else {
          current += c;
        }
      } else if (inSingle) {
        if (c === undefined) throw new Error("Invalid argument(s): unbalanced quotes");
        if (c === "\\" && line[i + 1] === "'") {
          i++;
          current += "'";
        } else if (c === "'") {
          if (line[i + 1] !== undefined && !/\s/.test(line[i + 1])) throw new Error("Invalid argument(s): a closing quote must be followed by a space");
          inSingle = false;
          i++;
          break;
        } else {
          current += c;
        }
      } else {
        if (c === undefined || /\s/.test(c)) break;
        if (c === '"') inDouble = true;
        else if (c === "'") inSingle = true;
        else current += c;
      }
      i++;
    }
    args.push(current);
  }
}

/** Bytes as hex, 16 a line with their printable characters (the binary viewer). */
export function hexDump(bytes, limit = 4096) {
  const lines = [];
  for (let offset = 0; offset < Math.min(bytes.length, limit); offset += 16) {
    const row = bytes.slice(offset, offset + 16);
    const hex = [...row].map(b => b.toString(16).padStart(2, "0")).join(" ");
    const text = [...row].map(b => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${offset.toString(16).padStart(8, "0")}  ${hex.padEnd(47, " ")}  ${text}`);
  }
  if (bytes.length > limit) lines.push(`... ${bytes.length - limit} more bytes`);
  return lines.join("\n");
}

/** A byte count as people read it. */
export function size(bytes) {
  if (bytes === null || bytes === undefined) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A TTL in milliseconds (PTTL: -1 none, -2 gone) as people read it. */
export function ttl(ms) {
  if (ms === -1 || ms === null || ms === undefined) return "no TTL";
  if (ms === -2) return "expired";
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172800) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}
