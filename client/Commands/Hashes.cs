namespace Serverless.Store.Client;

public abstract partial class StoreCommands
{
    /// <summary>HSET one field: 1 when the field is new, 0 when it was updated.</summary>
    public Task<long> HSetAsync(string key, string field, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["HSET", key, field, value], Replies.Int64, cancellationToken);

    /// <summary>HSET: how many fields are new.</summary>
    public Task<long> HSetAsync(string key, IEnumerable<KeyValuePair<string, StoreValue>> fields, CancellationToken cancellationToken = default) =>
        SendAsync(Command("HSET", [key, .. Flatten(fields, v => v)]), Replies.Int64, cancellationToken);

    /// <summary>HSETNX: true when the field was new and set.</summary>
    public Task<bool> HSetNxAsync(string key, string field, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["HSETNX", key, field, value], Replies.Boolean, cancellationToken);

    /// <summary>HGET: the field's value as text, or null.</summary>
    public Task<string?> HGetAsync(string key, string field, CancellationToken cancellationToken = default) =>
        SendAsync(["HGET", key, field], Replies.String, cancellationToken);

    /// <summary>HGET: the field's exact bytes, or null.</summary>
    public Task<byte[]?> HGetBytesAsync(string key, string field, CancellationToken cancellationToken = default) =>
        SendAsync(["HGET", key, field], Replies.Bytes, cancellationToken);

    /// <summary>HMGET: one value per field, null where missing.</summary>
    public Task<string?[]> HMGetAsync(string key, IEnumerable<string> fields, CancellationToken cancellationToken = default) =>
        SendAsync(Command("HMGET", [key, .. Keys(fields)]), Replies.NullableStrings, cancellationToken);

    /// <summary>HGETALL: every field and value (empty when the key is missing).</summary>
    public Task<Dictionary<string, string>> HGetAllAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["HGETALL", key], Replies.Dictionary, cancellationToken);

    /// <summary>HDEL: how many of the fields existed.</summary>
    public Task<long> HDelAsync(string key, IEnumerable<string> fields, CancellationToken cancellationToken = default) =>
        SendAsync(Command("HDEL", [key, .. Keys(fields)]), Replies.Int64, cancellationToken);

    /// <summary>HEXISTS.</summary>
    public Task<bool> HExistsAsync(string key, string field, CancellationToken cancellationToken = default) =>
        SendAsync(["HEXISTS", key, field], Replies.Boolean, cancellationToken);

    /// <summary>HLEN: how many fields.</summary>
    public Task<long> HLenAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["HLEN", key], Replies.Int64, cancellationToken);

    /// <summary>HKEYS: the field names.</summary>
    public Task<string[]> HKeysAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["HKEYS", key], Replies.Strings, cancellationToken);

    /// <summary>HVALS: the values.</summary>
    public Task<string[]> HValsAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["HVALS", key], Replies.Strings, cancellationToken);

    /// <summary>HINCRBY: the field's new value.</summary>
    public Task<long> HIncrByAsync(string key, string field, long increment, CancellationToken cancellationToken = default) =>
        SendAsync(["HINCRBY", key, field, increment], Replies.Int64, cancellationToken);

    /// <summary>HINCRBYFLOAT: the field's new value.</summary>
    public Task<double> HIncrByFloatAsync(string key, string field, double increment, CancellationToken cancellationToken = default) =>
        SendAsync(["HINCRBYFLOAT", key, field, increment], Replies.Double, cancellationToken);

    /// <summary>HSTRLEN: the length of the field's value in bytes.</summary>
    public Task<long> HStrLenAsync(string key, string field, CancellationToken cancellationToken = default) =>
        SendAsync(["HSTRLEN", key, field], Replies.Int64, cancellationToken);

    /// <summary>HRANDFIELD with a count: distinct random fields (a negative count allows repeats).</summary>
    public Task<string[]> HRandFieldAsync(string key, long count, CancellationToken cancellationToken = default) =>
        SendAsync(["HRANDFIELD", key, count], Replies.Strings, cancellationToken);

    /// <summary>HSCAN: one page of fields and values from <paramref name="cursor"/> ("0" to start).</summary>
    public Task<ScanPage<KeyValuePair<string, string>>> HScanAsync(string key, string cursor, string? match = null, long? count = null, CancellationToken cancellationToken = default) =>
        SendAsync(ScanCommand("HSCAN", key, cursor, match, count), Replies.PairPage, cancellationToken);

    private protected static StoreValue[] ScanCommand(string name, string key, string cursor, string? match, long? count)
    {
        var command = new List<StoreValue> { name, key, cursor };
        if (match is not null) command.AddRange(["MATCH", match]);
        if (count is { } c) command.AddRange(["COUNT", c]);
        return command.ToArray();
    }
}
