namespace Serverless.Store.Client;

public abstract partial class StoreCommands
{
    /// <summary>DEL one key: true when it existed.</summary>
    public Task<bool> DelAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["DEL", key], Replies.Boolean, cancellationToken);

    /// <summary>DEL: how many of the keys existed.</summary>
    public Task<long> DelAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        SendAsync(Command("DEL", Keys(keys)), Replies.Int64, cancellationToken);

    /// <summary>UNLINK: how many of the keys existed.</summary>
    public Task<long> UnlinkAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        SendAsync(Command("UNLINK", Keys(keys)), Replies.Int64, cancellationToken);

    /// <summary>EXISTS one key.</summary>
    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["EXISTS", key], Replies.Boolean, cancellationToken);

    /// <summary>EXISTS: how many of the keys exist (a key given twice counts twice).</summary>
    public Task<long> ExistsAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        SendAsync(Command("EXISTS", Keys(keys)), Replies.Int64, cancellationToken);

    /// <summary>TYPE: <c>string</c>, <c>hash</c>, <c>list</c>, <c>set</c>, <c>zset</c>, <c>stream</c> or <c>none</c>.</summary>
    public Task<string> TypeAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["TYPE", key], r => r.AsString()!, cancellationToken);

    /// <summary>PEXPIRE: sets a time to live (millisecond precision); false when the key does not exist.</summary>
    public Task<bool> ExpireAsync(string key, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        SendAsync(["PEXPIRE", key, Milliseconds(ttl)], Replies.Boolean, cancellationToken);

    /// <summary>PEXPIREAT: expires the key at a point in time; false when the key does not exist.</summary>
    public Task<bool> ExpireAtAsync(string key, DateTimeOffset when, CancellationToken cancellationToken = default) =>
        SendAsync(["PEXPIREAT", key, when.ToUnixTimeMilliseconds()], Replies.Boolean, cancellationToken);

    /// <summary>TTL: seconds to live; -1 without an expiry, -2 when the key does not exist.</summary>
    public Task<long> TtlAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["TTL", key], Replies.Int64, cancellationToken);

    /// <summary>PTTL: milliseconds to live; -1 without an expiry, -2 when the key does not exist.</summary>
    public Task<long> PTtlAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["PTTL", key], Replies.Int64, cancellationToken);

    /// <summary>PEXPIRETIME: when the key expires (Unix milliseconds); -1 without an expiry, -2 when missing.</summary>
    public Task<long> PExpireTimeAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["PEXPIRETIME", key], Replies.Int64, cancellationToken);

    /// <summary>PERSIST: removes the expiry; true when there was one.</summary>
    public Task<bool> PersistAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["PERSIST", key], Replies.Boolean, cancellationToken);

    /// <summary>RENAME (an error when <paramref name="key"/> does not exist).</summary>
    public Task RenameAsync(string key, string newKey, CancellationToken cancellationToken = default) =>
        SendAsync(["RENAME", key, newKey], cancellationToken);

    /// <summary>RENAMENX: true when renamed (the new name did not exist).</summary>
    public Task<bool> RenameNxAsync(string key, string newKey, CancellationToken cancellationToken = default) =>
        SendAsync(["RENAMENX", key, newKey], Replies.Boolean, cancellationToken);

    /// <summary>COPY: true when copied.</summary>
    public Task<bool> CopyAsync(string source, string destination, bool replace = false, CancellationToken cancellationToken = default) =>
        SendAsync(replace ? ["COPY", source, destination, "REPLACE"] : ["COPY", source, destination], Replies.Boolean, cancellationToken);

    /// <summary>TOUCH: how many of the keys exist.</summary>
    public Task<long> TouchAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        SendAsync(Command("TOUCH", Keys(keys)), Replies.Int64, cancellationToken);

    /// <summary>KEYS: every key matching a glob. It reads the whole keyspace: prefer <see cref="ScanAsync"/>.</summary>
    public Task<string[]> KeysAsync(string pattern, CancellationToken cancellationToken = default) =>
        SendAsync(["KEYS", pattern], Replies.Strings, cancellationToken);

    /// <summary>SCAN: one page of keys from <paramref name="cursor"/> ("0" to start).</summary>
    public Task<ScanPage<string>> ScanAsync(string cursor, string? match = null, long? count = null, string? type = null, CancellationToken cancellationToken = default)
    {
        var command = new List<StoreValue> { "SCAN", cursor };
        if (match is not null) command.AddRange(["MATCH", match]);
        if (count is { } c) command.AddRange(["COUNT", c]);
        if (type is not null) command.AddRange(["TYPE", type]);
        return SendAsync(command.ToArray(), Replies.KeyPage, cancellationToken);
    }

    /// <summary>RANDOMKEY: any key, or null when the store is empty.</summary>
    public Task<string?> RandomKeyAsync(CancellationToken cancellationToken = default) =>
        SendAsync(["RANDOMKEY"], Replies.String, cancellationToken);

    /// <summary>DBSIZE: how many keys the store holds.</summary>
    public Task<long> DbSizeAsync(CancellationToken cancellationToken = default) =>
        SendAsync(["DBSIZE"], Replies.Int64, cancellationToken);
}
