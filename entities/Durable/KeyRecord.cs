using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// What a key entity stores: the key's <see cref="KeyState"/> (null = the key does not exist), the
/// replies to its recent requests by request id, and while a multi-key chain holds it, that chain's
/// id and the operations waiting for it to end. A caller that signalled a request finds its reply
/// here, so a reply is only ever seen once the state holding it is stored: an answered write is
/// durable and visible to every later read. The replies also make a redelivered signal harmless
/// (its id is found, it is not run again). JSON
/// {"k":{..KeyState..},"r":[[id, atMs, [reply, ...]], ...],"l":chainId,"q":[[operation, input], ...],"v":seq}.
/// </summary>
public sealed class KeyRecord
{
    /// <summary>
    /// Replies are kept this long unless there are too many: longer than the backend's queue
    /// visibility timeout (5 minutes), so a signal redelivered after a crash between storing the
    /// state and deleting the message still finds its reply and is not run twice.
    /// </summary>
    public const long ReplyRetentionMs = 6 * 60_000;

    /// <summary>Bounds the state a hot key rewrites on every batch (~40 bytes a reply).</summary>
    public const int MaxReplies = 64;

    /// <summary>
    /// Replies younger than this are never dropped for the count, so a batch larger than
    /// <see cref="MaxReplies"/> still stores every reply it made (a batch runs in milliseconds; pollers
    /// get at least this long). Short, because a hot key keeps every reply this young: at 1000
    /// writes/s that is ~10 KB of state, and past ~45 KB the backend moves the state to a blob.
    /// </summary>
    public const long MinReplyAgeMs = 250;

    [JsonPropertyName("k"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public KeyState? State { get; set; }

    [JsonPropertyName("r"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<StoredReply>? Replies { get; set; }

    /// <summary>The multi-key chain that holds this key locked (<see cref="ChainStep"/>), or null.</summary>
    [JsonPropertyName("l"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LockedBy { get; set; }

    /// <summary>Operations that arrived while the key was locked, in order; run when the chain ends.</summary>
    [JsonPropertyName("q"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<DeferredOperation>? Deferred { get; set; }

    /// <summary>
    /// Bumped whenever the key's state or its lock changes: two reads that see the same number (and
    /// the same stored time) saw no change in between (consistent multi-key reads rely on it).
    /// </summary>
    [JsonPropertyName("v"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Seq { get; set; }

    [JsonIgnore]
    public bool IsEmpty => State is null && LockedBy is null && (Replies is null || Replies.Count == 0) && Deferred is null;

    public StoredReply? FindReply(string requestId)
    {
        if (Replies is null) return null;
        // Newest last: a waiting caller's reply is usually near the end.
        for (var i = Replies.Count - 1; i >= 0; i--)
            if (Replies[i].Id == requestId) return Replies[i];
        return null;
    }

    /// <summary>Adds a reply, then drops replies past their retention or beyond <see cref="MaxReplies"/> (oldest first).</summary>
    public void AddReply(StoredReply reply, long nowMs)
    {
        (Replies ??= []).Add(reply);
        Trim(nowMs);
    }

    public void Trim(long nowMs)
    {
        if (Replies is null) return;
        var drop = 0;
        while (drop < Replies.Count && (Replies[drop].AtMs <= nowMs - ReplyRetentionMs ||
                                        (Replies.Count - drop > MaxReplies && Replies[drop].AtMs <= nowMs - MinReplyAgeMs)))
            drop++;
        if (drop > 0) Replies.RemoveRange(0, drop);
        if (Replies.Count == 0) Replies = null;
    }
}

/// <summary>The replies to one signalled batch of commands, with its request id and the entity's time.</summary>
[JsonConverter(typeof(StoredReplyJsonConverter))]
public sealed record StoredReply(string Id, long AtMs, Reply[] Replies);

public sealed class StoredReplyJsonConverter : JsonConverter<StoredReply>
{
    public override StoredReply Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected [id, at, replies]");
        reader.Read();
        var id = reader.GetString() ?? throw new JsonException("expected a request id");
        reader.Read();
        var at = reader.GetInt64();
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of replies");
        var replies = new List<Reply>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) replies.Add(ReplyJson.Read(ref reader));
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("expected the end of a stored reply");
        return new StoredReply(id, at, replies.ToArray());
    }

    public override void Write(Utf8JsonWriter writer, StoredReply value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(value.Id);
        writer.WriteNumberValue(value.AtMs);
        writer.WriteStartArray();
        foreach (var reply in value.Replies) ReplyJson.Write(writer, reply);
        writer.WriteEndArray();
        writer.WriteEndArray();
    }
}

/// <summary>An operation a locked key entity keeps for later: its name and its input as it came.</summary>
[JsonConverter(typeof(DeferredOperationJsonConverter))]
public sealed record DeferredOperation(string Name, JsonElement? Input);

public sealed class DeferredOperationJsonConverter : JsonConverter<DeferredOperation>
{
    public override DeferredOperation Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected [operation, input]");
        reader.Read();
        var name = reader.GetString() ?? throw new JsonException("expected an operation name");
        reader.Read();
        JsonElement? input = reader.TokenType == JsonTokenType.Null ? null : JsonElement.ParseValue(ref reader);
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("expected the end of a deferred operation");
        return new DeferredOperation(name, input);
    }

    public override void Write(Utf8JsonWriter writer, DeferredOperation value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(value.Name);
        if (value.Input is { } input) input.WriteTo(writer); else writer.WriteNullValue();
        writer.WriteEndArray();
    }
}
