using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.DurableTask.Entities;
using Serverless.Store.Commands;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// Commands sent to an entity or an orchestration: JSON [[arg, ...], ...] with each argument a
/// string or [base64] (see <see cref="ArgsJsonConverter"/>). Sealed with its own converter so
/// it serializes the same however the Durable Task data converter is configured.
/// </summary>
[JsonConverter(typeof(CommandBatchJsonConverter))]
public sealed class CommandBatch(byte[][][] commands)
{
    public byte[][][] Commands { get; } = commands;

    public static CommandBatch Of(params byte[][][] commands) => new(commands);
}

/// <summary>
/// Replies coming back from an entity or an orchestration, with a stamp for every key whose state
/// the commands changed. JSON {"r":[reply, ...],"w":[[key, before, after], ...]} (see <see cref="ReplyJson"/>).
/// </summary>
[JsonConverter(typeof(ReplyBatchJsonConverter))]
public sealed class ReplyBatch(Reply[] replies, WriteStamp[]? writes = null)
{
    public Reply[] Replies { get; } = replies;
    public WriteStamp[] Writes { get; } = writes ?? [];
}

/// <summary>
/// A key's state version before and after a write (null = missing). The backend sends an
/// entity's replies before it stores its new state, so the caller waits until the stored state
/// is no longer the "before" one before answering: an answered write is visible to every read.
/// </summary>
public readonly record struct WriteStamp(string Key, long? Before, long? After);

/// <summary>Input of <see cref="WriteOrchestration"/>: the entity key and the commands for it.</summary>
public sealed class WriteRequest
{
    [JsonPropertyName("k")] public string Key { get; set; } = "";
    [JsonPropertyName("c")] public CommandBatch Commands { get; set; } = CommandBatch.Of();
}

/// <summary>
/// One request in the key entity's <c>submit</c> operation (signal + await): the caller's request
/// id, under which the entity stores the replies in its state, and the commands (run atomically).
/// </summary>
public sealed class SubmitRequest
{
    [JsonPropertyName("i")] public string Id { get; set; } = "";
    [JsonPropertyName("c")] public CommandBatch Commands { get; set; } = CommandBatch.Of();

    /// <summary>A fresh request id: 96 random bits, base64url (16 characters), unique enough to find one reply among a key's recent ones.</summary>
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[12];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }
}

public sealed class CommandBatchJsonConverter : JsonConverter<CommandBatch>
{
    public override CommandBatch Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of commands");
        var commands = new List<byte[][]>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            commands.Add(ArgsJsonConverter.Instance.Read(ref reader, typeof(byte[][]), options));
        return new CommandBatch(commands.ToArray());
    }

    public override void Write(Utf8JsonWriter writer, CommandBatch value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var command in value.Commands) ArgsJsonConverter.Instance.Write(writer, command, options);
        writer.WriteEndArray();
    }
}

public sealed class ReplyBatchJsonConverter : JsonConverter<ReplyBatch>
{
    public override ReplyBatch Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("expected a reply batch");
        var replies = new List<Reply>();
        var writes = new List<WriteStamp>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array");
            if (name == "r")
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) replies.Add(ReplyJson.Read(ref reader));
            }
            else if (name == "w")
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    reader.Read();
                    var key = reader.GetString()!;
                    reader.Read();
                    long? before = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64();
                    reader.Read();
                    long? after = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64();
                    reader.Read();
                    writes.Add(new WriteStamp(key, before, after));
                }
            }
            else reader.Skip();
        }
        return new ReplyBatch(replies.ToArray(), writes.ToArray());
    }

    public override void Write(Utf8JsonWriter writer, ReplyBatch value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("r");
        foreach (var reply in value.Replies) ReplyJson.Write(writer, reply);
        writer.WriteEndArray();
        if (value.Writes.Length > 0)
        {
            writer.WriteStartArray("w");
            foreach (var w in value.Writes)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(w.Key);
                if (w.Before is { } b) writer.WriteNumberValue(b); else writer.WriteNullValue();
                if (w.After is { } a) writer.WriteNumberValue(a); else writer.WriteNullValue();
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }
}

/// <summary>
/// Where key entities and transactions send the keyspace events of their committed writes: the
/// pub/sub subscription registry entity (entities/PubSub), named here so the durable layer does not
/// depend on pub/sub.
/// </summary>
public static class KeyspaceEventSink
{
    public const string EntityName = "pubsub";
    public const string Notify = "notify";
    public static readonly EntityInstanceId Id = new(EntityName, "registry");

    /// <summary>Signals the events to the registry from inside an entity operation (they leave with its commit).</summary>
    public static void Publish(TaskEntityContext context, List<KeyspaceEvent> events)
    {
        if (events.Count > 0) context.SignalEntity(Id, Notify, KeyspaceEventBatch.Of(events));
    }
}

/// <summary>Keyspace events as the registry's <c>notify</c> takes them: [[class, event, key], ...], the key as text.</summary>
public sealed class KeyspaceEventBatch
{
    [JsonPropertyName("e")] public List<string[]> Events { get; set; } = [];

    public static KeyspaceEventBatch Of(IEnumerable<KeyspaceEvent> events) =>
        new() { Events = events.Select(e => new[] { e.Class.ToString(), e.Name, Encoding.UTF8.GetString(e.Key) }).ToList() };

    public IEnumerable<KeyspaceEvent> ToEvents() =>
        Events.Where(e => e.Length == 3 && e[0].Length == 1).Select(e => new KeyspaceEvent(e[0][0], e[1], Encoding.UTF8.GetBytes(e[2])));
}
