using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Store.Keyspace;

namespace Serverless.Store.Protocol;

/// <summary>
/// Exact, compact JSON for replies as they travel between the store's parts (entity operation
/// results, orchestration outputs). Every RESP2 shape stays distinct:
/// integer -> number; bulk -> string when valid UTF-8, {"b":base64} otherwise; nil bulk -> null;
/// array -> [...]; nil array -> {"a":null}; simple -> {"s":text}; error -> {"e":text};
/// keys needed (store-internal) -> {"n":[[key, ...], [pattern, ...]]} with keys as arguments are written.
/// (The REST API's client-facing encoding is a different, Upstash-compatible one.)
/// </summary>
public sealed class ReplyJsonConverter : JsonConverter<Reply>
{
    public static readonly ReplyJsonConverter Instance = new();

    public override bool HandleNull => true;

    public override Reply Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ReplyJson.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, Reply value, JsonSerializerOptions options) =>
        ReplyJson.Write(writer, value);
}

public static class ReplyJson
{
    public static void Write(Utf8JsonWriter writer, Reply reply)
    {
        switch (reply)
        {
            case IntegerReply i:
                writer.WriteNumberValue(i.Value);
                break;
            case BulkReply { Value: null }:
                writer.WriteNullValue();
                break;
            case BulkReply b when BytesJsonConverter.IsUtf8(b.Value!):
                writer.WriteStringValue(b.Value.AsSpan());
                break;
            case BulkReply b:
                writer.WriteStartObject();
                writer.WriteBase64String("b", b.Value);
                writer.WriteEndObject();
                break;
            case ArrayReply { Items: null }:
                writer.WriteStartObject();
                writer.WriteNull("a");
                writer.WriteEndObject();
                break;
            case ArrayReply a:
                writer.WriteStartArray();
                foreach (var item in a.Items!) Write(writer, item);
                writer.WriteEndArray();
                break;
            case SimpleReply s:
                writer.WriteStartObject();
                writer.WriteString("s", s.Value);
                writer.WriteEndObject();
                break;
            case ErrorReply e:
                writer.WriteStartObject();
                writer.WriteString("e", e.Message);
                writer.WriteEndObject();
                break;
            case KeysNeededReply n:
                writer.WriteStartObject();
                writer.WritePropertyName("n");
                writer.WriteStartArray();
                ArgsJsonConverter.Instance.Write(writer, [.. n.Keys], null!);
                ArgsJsonConverter.Instance.Write(writer, [.. n.Patterns], null!);
                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
            default:
                throw new JsonException($"unknown reply type {reply.GetType().Name}");
        }
    }

    public static Reply Read(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return Reply.Integer(reader.GetInt64());
            case JsonTokenType.Null:
                return Reply.Nil;
            case JsonTokenType.String:
                return Reply.Bulk(BytesJsonConverter.ReadString(ref reader));
            case JsonTokenType.StartArray:
                var items = new List<Reply>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) items.Add(Read(ref reader));
                return Reply.Array(items.ToArray());
            case JsonTokenType.StartObject:
                reader.Read();
                if (reader.TokenType != JsonTokenType.PropertyName) throw new JsonException("expected a reply tag");
                var tag = reader.GetString();
                reader.Read();
                Reply result = tag switch
                {
                    "b" => Reply.Bulk(reader.GetBytesFromBase64()),
                    "a" when reader.TokenType == JsonTokenType.Null => Reply.NilArray,
                    "s" => Reply.Simple(reader.GetString()!),
                    "e" => Reply.Error(reader.GetString()!),
                    "n" => ReadKeysNeeded(ref reader),
                    _ => throw new JsonException($"unknown reply tag '{tag}'"),
                };
                reader.Read();
                if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("expected the end of a reply object");
                return result;
            default:
                throw new JsonException($"unexpected {reader.TokenType} for a reply");
        }
    }

    static KeysNeededReply ReadKeysNeeded(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected [keys, patterns]");
        reader.Read();
        var keys = ArgsJsonConverter.Instance.Read(ref reader, typeof(byte[][]), null!);
        reader.Read();
        var patterns = ArgsJsonConverter.Instance.Read(ref reader, typeof(byte[][]), null!);
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("expected the end of [keys, patterns]");
        return new KeysNeededReply(keys, patterns);
    }

    static readonly JsonSerializerOptions Options = new() { Converters = { ReplyJsonConverter.Instance } };

    public static string Serialize(Reply reply) => JsonSerializer.Serialize(reply, Options);

    public static Reply Deserialize(string json) => JsonSerializer.Deserialize<Reply>(json, Options)!;
}

/// <summary>
/// A command's arguments as JSON: an array whose items are strings (valid UTF-8) or
/// one-element arrays holding base64 (anything else), exactly as <see cref="BytesJsonConverter"/> writes.
/// </summary>
public sealed class ArgsJsonConverter : JsonConverter<byte[][]>
{
    public static readonly ArgsJsonConverter Instance = new();
    static readonly BytesJsonConverter Bytes = new();

    public override byte[][] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an argument array");
        var args = new List<byte[]>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            args.Add(Bytes.Read(ref reader, typeof(byte[]), options));
        return args.ToArray();
    }

    public override void Write(Utf8JsonWriter writer, byte[][] value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var arg in value) Bytes.Write(writer, arg, options);
        writer.WriteEndArray();
    }
}
