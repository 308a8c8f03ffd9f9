using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Serverless.Store.Client;

/// <summary>
/// The store's REST protocol (Upstash's), both ways: commands as JSON arrays (one, or a 2-D array
/// for <c>/pipeline</c> and <c>/multi-exec</c>), the path form for commands whose bytes JSON cannot
/// carry, and replies (<c>{"result": ...}</c> / <c>{"error": "..."}</c>, base64 strings) read with
/// <see cref="Utf8JsonReader"/> straight into <see cref="StoreResult"/>s.
/// </summary>
static class RestProtocol
{
    /// <summary>The header that asks for base64 strings in replies (every string except the status OK).</summary>
    public const string EncodingHeader = "Upstash-Encoding";
    public const string EncodingBase64 = "base64";

    /// <summary>The store refuses requests over 1 MiB and batches over 1,000 commands (413).</summary>
    public const int MaxBodyBytes = 1 << 20;
    public const int MaxCommandsPerRequest = 1000;

    // Escape only what JSON requires: the body never lands in HTML, and unescaped strings are read
    // by the store as their bytes as they are (escaped ones go through UTF-16 first).
    static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>True when every argument can travel inside a JSON string (see <see cref="StoreValue"/>).</summary>
    public static bool IsJsonSafe(StoreValue[] command)
    {
        foreach (var argument in command)
            if (!argument.IsJsonSafe) return false;
        return true;
    }

    /// <summary>One command as a JSON array.</summary>
    public static byte[] Command(StoreValue[] command)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) WriteCommand(writer, command);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Commands as a 2-D JSON array.</summary>
    public static byte[] Batch(IReadOnlyList<StoreValue[]> commands)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var command in commands) WriteCommand(writer, command);
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Commands already written as JSON arrays, joined into a 2-D array.</summary>
    public static byte[] JoinBatch(IReadOnlyList<byte[]> encodedCommands)
    {
        var length = 1 + encodedCommands.Count;
        foreach (var c in encodedCommands) length += c.Length;
        var body = new byte[length];
        body[0] = (byte)'[';
        var at = 1;
        for (var i = 0; i < encodedCommands.Count; i++)
        {
            if (i > 0) body[at++] = (byte)',';
            encodedCommands[i].CopyTo(body, at);
            at += encodedCommands[i].Length;
        }
        body[at] = (byte)']';
        return body;
    }

    static void WriteCommand(Utf8JsonWriter writer, StoreValue[] command)
    {
        writer.WriteStartArray();
        foreach (var argument in command)
        {
            if (argument.Text is { } text) writer.WriteStringValue(text);
            else if (argument.IsJsonSafe) writer.WriteStringValue(argument.Bytes.Span);
            else throw NotJsonSafe(command);
        }
        writer.WriteEndArray();
    }

    internal static ArgumentException NotJsonSafe(StoreValue[] command) => new(
        $"an argument of {command[0]} is bytes that are not UTF-8, which JSON cannot carry: send the command on its own " +
        "(the client then uses the store's path form, the bytes percent-encoded in the URL and the last argument as the body), " +
        "not in a pipeline or transaction", nameof(command));

    /// <summary>
    /// The path form for a command holding bytes JSON cannot carry: <c>POST base/arg1/arg2/...</c>
    /// with every argument but the last percent-encoded byte by byte, and the last as the raw body
    /// (the store takes a non-empty POST body as the last argument).
    /// </summary>
    public static (string Path, byte[] Body) PathForm(StoreValue[] command)
    {
        var last = command[^1].ToArray();
        if (last.Length == 0)
            throw new ArgumentException($"{command[0]}: bytes that are not UTF-8 can only be sent with a non-empty last argument (the store's path form takes it as the body)", nameof(command));
        var path = new StringBuilder();
        for (var i = 0; i < command.Length - 1; i++)
        {
            path.Append('/');
            foreach (var b in command[i].ToArray())
            {
                // Unreserved characters as they are; everything else, dots included (so no segment
                // reads as "." or ".."), percent-encoded.
                if (b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'~')
                    path.Append((char)b);
                else
                    path.Append('%').Append(b.ToString("X2"));
            }
        }
        return (path.ToString(), last);
    }

    /// <summary>A single command's reply body: the result, or the error thrown as a <see cref="StoreException"/>.</summary>
    public static StoreResult ReadSingle(ReadOnlySpan<byte> body, int status)
    {
        var reader = new Utf8JsonReader(body);
        Expect(ref reader, JsonTokenType.StartObject, body, status);
        var result = ReadEnvelopeBody(ref reader, body, status);
        return result.Kind == StoreResultKind.Error ? throw new StoreException(result.ErrorMessage!, status) : result;
    }

    /// <summary>
    /// A pipeline's or transaction's reply body: one result per command, errors in place (as
    /// <see cref="StoreResultKind.Error"/>); an error for the whole request is thrown.
    /// </summary>
    public static StoreResult[] ReadBatch(ReadOnlySpan<byte> body, int status, int expected)
    {
        var reader = new Utf8JsonReader(body);
        Read(ref reader, body, status);
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            var whole = ReadEnvelopeBody(ref reader, body, status);
            throw whole.Kind == StoreResultKind.Error
                ? new StoreException(whole.ErrorMessage!, status)
                : Malformed(body, status, "a batch answered with one result");
        }
        if (reader.TokenType != JsonTokenType.StartArray) throw Malformed(body, status, "expected an array of results");
        var results = new List<StoreResult>(expected);
        while (true)
        {
            Read(ref reader, body, status);
            if (reader.TokenType == JsonTokenType.EndArray) break;
            if (reader.TokenType != JsonTokenType.StartObject) throw Malformed(body, status, "expected {\"result\"} or {\"error\"}");
            results.Add(ReadEnvelopeBody(ref reader, body, status));
        }
        if (results.Count != expected) throw Malformed(body, status, $"{results.Count} results for {expected} commands");
        return results.ToArray();
    }

    /// <summary>The error text of a body that is <c>{"error": "..."}</c>, or null.</summary>
    public static string? TryReadError(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            var envelope = ReadEnvelopeBody(ref reader, body, 0);
            return envelope.Kind == StoreResultKind.Error ? envelope.ErrorMessage : null;
        }
        catch (Exception e) when (e is JsonException or HttpRequestException) { return null; }
    }

    /// <summary>After <c>{</c>: <c>"result": value</c> or <c>"error": "..."</c>, then <c>}</c>.</summary>
    static StoreResult ReadEnvelopeBody(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, int status)
    {
        StoreResult? result = null;
        while (true)
        {
            Read(ref reader, body, status);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            if (reader.TokenType != JsonTokenType.PropertyName) throw Malformed(body, status, "expected a property");
            if (reader.ValueTextEquals("result"u8))
            {
                Read(ref reader, body, status);
                result = ReadValue(ref reader, body, status);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                Read(ref reader, body, status);
                result = StoreResult.FromError(reader.TokenType == JsonTokenType.String ? reader.GetString()! : "ERR (the store's error had no text)");
            }
            else
            {
                Read(ref reader, body, status);
                reader.Skip();
            }
        }
        return result ?? throw Malformed(body, status, "neither \"result\" nor \"error\"");
    }

    static StoreResult ReadValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, int status)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return StoreResult.Null;
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var integer)
                    ? StoreResult.FromInteger(integer)
                    : StoreResult.FromBytes(reader.ValueSpan.ToArray());
            case JsonTokenType.String:
                // Every string but the status OK is base64 (we always send Upstash-Encoding: base64).
                if (reader.ValueTextEquals("OK"u8)) return StoreResult.Ok;
                try { return StoreResult.FromBytes(reader.GetBytesFromBase64()); }
                catch (FormatException) { throw Malformed(body, status, "a string that is not base64 (is Upstash-Encoding: base64 stripped by a proxy?)"); }
            case JsonTokenType.StartArray:
                var items = new List<StoreResult>();
                while (true)
                {
                    Read(ref reader, body, status);
                    if (reader.TokenType == JsonTokenType.EndArray) break;
                    items.Add(ReadValue(ref reader, body, status));
                }
                return StoreResult.FromArray(items.ToArray());
            case JsonTokenType.StartObject:
                return ReadEnvelopeBody(ref reader, body, status); // {"error": ...} inside EXEC's results
            case JsonTokenType.True:
                return StoreResult.FromInteger(1);
            case JsonTokenType.False:
                return StoreResult.FromInteger(0);
            default:
                throw Malformed(body, status, $"unexpected {reader.TokenType}");
        }
    }

    static void Expect(ref Utf8JsonReader reader, JsonTokenType type, ReadOnlySpan<byte> body, int status)
    {
        Read(ref reader, body, status);
        if (reader.TokenType != type) throw Malformed(body, status, $"expected {type}");
    }

    static void Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> body, int status)
    {
        try
        {
            if (!reader.Read()) throw Malformed(body, status, "the body ended early");
        }
        catch (JsonException e)
        {
            throw Malformed(body, status, "not JSON: " + e.Message.Split('.')[0]);
        }
    }

    /// <summary>An answer that is not the store's protocol: usually a proxy's page, or a wrong URL.</summary>
    internal static HttpRequestException Malformed(ReadOnlySpan<byte> body, int status, string what)
    {
        var preview = Encoding.UTF8.GetString(body[..Math.Min(body.Length, 200)]).ReplaceLineEndings(" ");
        return new HttpRequestException(
            $"the store's answer (HTTP {status}) is not its REST protocol ({what}): check that Url is the store's REST base, e.g. https://<app>/api. The answer began: {preview}",
            null, status == 0 ? null : (System.Net.HttpStatusCode)status);
    }
}
