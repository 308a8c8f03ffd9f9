using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// What a key entity stores: the key's <see cref="KeyState"/> (null = the key does not exist) or, for
/// a hash tag's entity, the states of the tag's keys side by side; the replies to its recent requests
/// by request id; and while a multi-key chain holds it, that chain's id and the operations waiting
/// for it to end. A caller that signalled a request finds its reply
/// here, so a reply is only ever seen once the state holding it is stored: an answered write is
/// durable and visible to every later read. The replies also make a redelivered signal harmless
/// (its id is found, it is not run again). JSON
/// {"k":{..KeyState..} or "g":[[key, {..KeyState..}], ...],"r":[[id, atMs, [reply, ...]], ...],"l":chainId,"q":[[operation, input], ...],"v":seq}.
/// </summary>
public sealed class KeyRecord : RepliedRecord
{
    /// <summary>The state of the entity's own key (an entity of one key); null for a hash tag's entity.</summary>
    [JsonPropertyName("k"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public KeyState? State { get; set; }

    /// <summary>A hash tag's entity: its keys with their states (absent keys are not listed).</summary>
    [JsonPropertyName("g"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<GroupedKey>? Group { get; set; }

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

    /// <summary>The last chain whose changes a commit brought here (<see cref="ChainMark"/>), or null.</summary>
    [JsonPropertyName("m"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ChainMark? Committed { get; set; }

    [JsonIgnore]
    public bool IsEmpty => !HasKeys && LockedBy is null && (Replies is null || Replies.Count == 0) && Deferred is null;

    /// <summary>True when the entity holds at least one key.</summary>
    [JsonIgnore]
    public bool HasKeys => State is not null || Group is { Count: > 0 };

    /// <summary>The state of <paramref name="key"/> in this record (a group's entry, or the entity's own key).</summary>
    public KeyState? StateOf(byte[] key, bool group) =>
        !group ? State : Group?.Find(g => Bytes.Comparer.Equals(g.Key, key))?.State;

    /// <summary>Stores (null: removes) the state of <paramref name="key"/>.</summary>
    public void Put(byte[] key, KeyState? state, bool group)
    {
        if (!group)
        {
            State = state;
            return;
        }
        var at = Group?.FindIndex(g => Bytes.Comparer.Equals(g.Key, key)) ?? -1;
        if (state is null)
        {
            if (at >= 0) Group!.RemoveAt(at);
            if (Group is { Count: 0 }) Group = null;
        }
        else if (at >= 0) Group![at].State = state;
        else (Group ??= []).Add(new GroupedKey(key, state));
    }

    /// <summary>Every key the record holds, with its state; <paramref name="entityKey"/> names an entity of one key.</summary>
    public IEnumerable<(byte[] Key, KeyState State)> Keys(string entityKey)
    {
        if (State is not null) yield return (EntityKeys.Unescape(entityKey), State);
        if (Group is not null)
            foreach (var g in Group) yield return (g.Key, g.State);
    }

}

/// <summary>
/// An entity state that answers its callers: the replies to its recent requests by request id
/// ("r"), where the <see cref="ReplyChannel"/> finds them. Key entities and the script catalog keep them.
/// </summary>
public abstract class RepliedRecord
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

    [JsonPropertyName("r"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<StoredReply>? Replies { get; set; }

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

/// <summary>One key of a hash tag's entity and its state. JSON [key, state], the key as a command argument is written.</summary>
[JsonConverter(typeof(GroupedKeyJsonConverter))]
public sealed class GroupedKey(byte[] key, KeyState state)
{
    public byte[] Key { get; } = key;
    public KeyState State { get; set; } = state;
}

public sealed class GroupedKeyJsonConverter : JsonConverter<GroupedKey>
{
    static readonly BytesJsonConverter Bytes = new();

    public override GroupedKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected [key, state]");
        reader.Read();
        var key = Bytes.Read(ref reader, typeof(byte[]), options);
        reader.Read();
        var state = JsonSerializer.Deserialize<KeyState>(ref reader, options) ?? throw new JsonException("expected a key state");
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("expected the end of [key, state]");
        return new GroupedKey(key, state);
    }

    public override void Write(Utf8JsonWriter writer, GroupedKey value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        Bytes.Write(writer, value.Key, options);
        JsonSerializer.Serialize(writer, value.State, options);
        writer.WriteEndArray();
    }
}
