using System.Text;
using System.Text.Json;

namespace Serverless.Store.Cli;

/// <summary>A reply with the RESP2 type redis-cli formats by (status and bulk strings print differently).</summary>
internal abstract record Reply;
internal sealed record StatusReply(string Text) : Reply;
internal sealed record BulkReply(byte[] Bytes) : Reply;
internal sealed record IntegerReply(long Value) : Reply;
internal sealed record NilReply : Reply { public static readonly NilReply Instance = new(); }
internal sealed record ArrayReply(IReadOnlyList<Reply> Items) : Reply;
internal sealed record ErrorReply(string Message) : Reply;

/// <summary>
/// REST replies back into RESP types. The store answers JSON (strings, numbers, null, arrays), which
/// loses whether a string was a status or a bulk reply. The CLI always asks for
/// `Upstash-Encoding: base64`, where the store leaves the status "OK" as it is and base64-encodes
/// every other string (a bulk "OK" arrives as "T0s="), so "OK" is known exactly; the few other
/// status replies Redis 7.0 sends are known by the command (<see cref="IsStatus"/>).
/// </summary>
internal static class ReplyDecoder
{
    /// <summary>The reply in a {"result": ...} / {"error": ...} envelope.</summary>
    public static Reply FromEnvelope(JsonElement envelope, IReadOnlyList<byte[]> command)
    {
        if (envelope.ValueKind == JsonValueKind.Object && envelope.TryGetProperty("error", out var error))
            return new ErrorReply(error.GetString() ?? "");
        if (envelope.ValueKind == JsonValueKind.Object && envelope.TryGetProperty("result", out var result))
            return From(result, new Path(Name(command, 0), Name(command, 1), command.Count, []));
        return new ErrorReply("ERR the store answered something that is not a reply: " + Truncate(envelope.GetRawText()));
    }

    static string Truncate(string text) => text.Length > 200 ? text[..200] + "..." : text;

    static string Name(IReadOnlyList<byte[]> command, int i) =>
        command.Count > i ? Encoding.UTF8.GetString(command[i]).ToUpperInvariant() : "";

    /// <summary>Where a value sits in a command's reply: the command, its first argument, its argument count, the indices down to the value.</summary>
    internal sealed record Path(string Command, string Sub, int Argc, int[] Indices)
    {
        public Path Child(int i) => this with { Indices = [.. Indices, i] };
    }

    static Reply From(JsonElement value, Path path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null: return NilReply.Instance;
            case JsonValueKind.Number:
                return value.TryGetInt64(out var n) ? new IntegerReply(n) : new BulkReply(Encoding.UTF8.GetBytes(value.GetRawText()));
            case JsonValueKind.True: return new IntegerReply(1);
            case JsonValueKind.False: return new IntegerReply(0);
            case JsonValueKind.Object:
                return value.TryGetProperty("error", out var e) ? new ErrorReply(e.GetString() ?? "") : new BulkReply(Encoding.UTF8.GetBytes(value.GetRawText()));
            case JsonValueKind.Array:
                var items = new List<Reply>(value.GetArrayLength());
                var i = 0;
                foreach (var item in value.EnumerateArray()) items.Add(From(item, path.Child(i++)));
                return new ArrayReply(items);
            default:
                var text = value.GetString()!;
                if (text == "OK") return new StatusReply("OK"); // never base64: the store's status OK
                var bytes = Decode(text);
                return IsStatus(path) ? new StatusReply(Encoding.UTF8.GetString(bytes)) : new BulkReply(bytes);
        }
    }

    static byte[] Decode(string text)
    {
        try { return Convert.FromBase64String(text); }
        catch (FormatException) { return Encoding.UTF8.GetBytes(text); } // a store that ignored the header
    }

    /// <summary>
    /// Status replies other than OK in Redis 7.0's answers to the commands the store serves: PING
    /// without an argument (PONG), TYPE, BGSAVE and BGREWRITEAOF, and in COMMAND / COMMAND INFO the
    /// flags, ACL categories and key-spec flags. Anything else (a script's status reply, FUNCTION
    /// LIST's flags) prints as a bulk string: docs/cli.md lists it.
    /// </summary>
    internal static bool IsStatus(Path p)
    {
        var depth = p.Indices.Length;
        switch (p.Command)
        {
            case "PING": return depth == 0 && p.Argc == 1;
            case "TYPE" or "BGSAVE" or "BGREWRITEAOF": return depth == 0;
            case "COMMAND" when p.Sub is "" or "INFO":
                // [command][2][flag], [command][6][category], [command][8][spec][1][flag]
                return (depth == 3 && p.Indices[1] is 2 or 6) || (depth == 5 && p.Indices[1] == 8 && p.Indices[3] == 1);
            default: return false;
        }
    }
}
