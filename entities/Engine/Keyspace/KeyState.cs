using System.Text.Json.Serialization;
using Serverless.Store.Types;

namespace Serverless.Store.Keyspace;

public enum RedisType { None, String, List, Set, ZSet, Hash, Stream }

/// <summary>
/// Everything stored under one key: its value (exactly one of the typed fields is set), its
/// absolute expiry in unix milliseconds, and a version that grows on every write. This is the
/// state of a key entity, so it must round-trip through System.Text.Json compactly; the short
/// property names keep each stored entity small.
/// </summary>
public sealed class KeyState
{
    [JsonPropertyName("s"), JsonConverter(typeof(BytesJsonConverter)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public byte[]? String { get; set; }

    [JsonPropertyName("h"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HashValue? Hash { get; set; }

    [JsonPropertyName("l"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ListValue? List { get; set; }

    [JsonPropertyName("e"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SetValue? Set { get; set; }

    [JsonPropertyName("z"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SortedSetValue? SortedSet { get; set; }

    [JsonPropertyName("t"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public StreamValue? Stream { get; set; }

    /// <summary>
    /// How Redis holds a string value when its bytes alone do not say it (OBJECT ENCODING): null
    /// for what they imply (int, shared for 0..9999; embstr up to 44 bytes; raw beyond), else "raw"
    /// (changed in place: APPEND, SETRANGE), "embstr" (INCRBYFLOAT's result is never an int) or
    /// "int" (an int object of its own, as COPY makes). See <see cref="Objects"/>.
    /// </summary>
    [JsonPropertyName("n"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StringEncoding { get; set; }

    /// <summary>Absolute expiry, unix time in milliseconds; null when the key is persistent.</summary>
    [JsonPropertyName("x"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ExpiresAt { get; set; }

    [JsonPropertyName("v")]
    public long Version { get; set; }

    [JsonIgnore]
    public RedisType Type =>
        String is not null ? RedisType.String :
        Hash is not null ? RedisType.Hash :
        List is not null ? RedisType.List :
        Set is not null ? RedisType.Set :
        SortedSet is not null ? RedisType.ZSet :
        Stream is not null ? RedisType.Stream :
        RedisType.None;

    /// <summary>An aggregate with no elements: Redis deletes such a key (never a stream: Redis keeps empty streams).</summary>
    [JsonIgnore]
    public bool IsEmpty =>
        String is null && Stream is null && (Hash?.Count ?? 0) == 0 && (List?.Count ?? 0) == 0 &&
        (Set?.Count ?? 0) == 0 && (SortedSet?.Count ?? 0) == 0;

    public bool IsExpired(long nowMs) => ExpiresAt is { } at && at <= nowMs;

    /// <summary>
    /// When the first of a hash's fields expires (unix ms), or null: the store can have the key's
    /// expired fields removed then without a read (any access removes them, see
    /// <see cref="Commands.CommandContext.Lookup(byte[])"/>).
    /// </summary>
    [JsonIgnore]
    public long? NextFieldExpiry => Hash?.NextFieldExpiry;

    /// <summary>The first moment something of this key expires: the key itself or, sooner, one of its hash's fields (unix ms), or null.</summary>
    [JsonIgnore]
    public long? NextExpiry => NextFieldExpiry is { } first && first < (ExpiresAt ?? long.MaxValue) ? first : ExpiresAt;

    public static KeyState OfString(byte[] value) => new() { String = value };

    /// <summary>
    /// About the bytes the value takes as stored: its elements' bytes plus a little per element (a
    /// stream: its entries as listpacks encode them, plus its groups). A sum without copying, so a
    /// store can weigh a key on every write; what its size limits count (the exact JSON is what
    /// MEMORY USAGE answers, and costs a serialization).
    /// </summary>
    public long EstimatedBytes() =>
        32 + (String?.Length ?? 0) + (List?.Sum(e => e.Length + 4L) ?? 0) + (Set?.Members.Sum(e => e.Length + 4L) ?? 0) +
        (Hash?.Entries.Sum(e => e.Key.Length + e.Value.Length + 8L) ?? 0) + (SortedSet?.Entries.Sum(e => e.Member.Length + 24L) ?? 0) +
        (Stream?.EstimatedBytes() ?? 0);

    /// <summary>A deep copy (COPY, and callers that must not share mutable values).</summary>
    public KeyState Clone() => new()
    {
        String = String,
        StringEncoding = StringEncoding,
        Hash = Hash?.Clone(),
        List = List?.Clone(),
        Set = Set?.Clone(),
        SortedSet = SortedSet?.Clone(),
        Stream = Stream?.Clone(),
        ExpiresAt = ExpiresAt,
        Version = Version,
    };

    public static string TypeName(RedisType t) => t switch
    {
        RedisType.String => "string",
        RedisType.List => "list",
        RedisType.Set => "set",
        RedisType.ZSet => "zset",
        RedisType.Hash => "hash",
        RedisType.Stream => "stream",
        _ => "none",
    };
}
