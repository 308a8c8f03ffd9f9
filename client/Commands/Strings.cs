namespace Serverless.Store.Client;

/// <summary>When SET writes.</summary>
public enum SetCondition
{
    /// <summary>Always.</summary>
    Always,
    /// <summary>Only when the key does not exist (NX).</summary>
    NotExists,
    /// <summary>Only when the key exists (XX).</summary>
    Exists,
}

public abstract partial class StoreCommands
{
    /// <summary>GET: the value as text, or null.</summary>
    public Task<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["GET", key], Replies.String, cancellationToken);

    /// <summary>GET: the value's exact bytes, or null.</summary>
    public Task<byte[]?> GetBytesAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["GET", key], Replies.Bytes, cancellationToken);

    /// <summary>SET with an optional expiry (PX), condition (NX/XX) and KEEPTTL; true when the value was written.</summary>
    public Task<bool> SetAsync(string key, StoreValue value, TimeSpan? expiry = null, SetCondition condition = SetCondition.Always,
        bool keepTtl = false, CancellationToken cancellationToken = default)
    {
        var command = new List<StoreValue> { "SET", key, value };
        if (expiry is { } ttl) command.AddRange(["PX", Milliseconds(ttl)]);
        if (condition == SetCondition.NotExists) command.Add("NX");
        else if (condition == SetCondition.Exists) command.Add("XX");
        if (keepTtl) command.Add("KEEPTTL");
        return SendAsync(command.ToArray(), Replies.Ok, cancellationToken);
    }

    /// <summary>SETNX: true when the key did not exist and was set.</summary>
    public Task<bool> SetNxAsync(string key, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["SETNX", key, value], Replies.Boolean, cancellationToken);

    /// <summary>GETSET: sets the value, answers the old one.</summary>
    public Task<string?> GetSetAsync(string key, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["GETSET", key, value], Replies.String, cancellationToken);

    /// <summary>GETDEL: the value, and the key deleted.</summary>
    public Task<string?> GetDelAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["GETDEL", key], Replies.String, cancellationToken);

    /// <summary>GETEX: the value, setting a new expiry (PX) or, with <paramref name="persist"/>, removing it.</summary>
    public Task<string?> GetExAsync(string key, TimeSpan? expiry = null, bool persist = false, CancellationToken cancellationToken = default)
    {
        StoreValue[] command = expiry is { } ttl ? ["GETEX", key, "PX", Milliseconds(ttl)] : persist ? ["GETEX", key, "PERSIST"] : ["GETEX", key];
        return SendAsync(command, Replies.String, cancellationToken);
    }

    /// <summary>MGET: one value per key, null where missing.</summary>
    public Task<string?[]> MGetAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        SendAsync(Command("MGET", Keys(keys)), Replies.NullableStrings, cancellationToken);

    /// <summary>MSET: sets every pair.</summary>
    public Task MSetAsync(IEnumerable<KeyValuePair<string, StoreValue>> pairs, CancellationToken cancellationToken = default) =>
        SendAsync(Command("MSET", Flatten(pairs, v => v)), cancellationToken);

    /// <summary>MSETNX: sets every pair only when none of the keys exists; true when set.</summary>
    public Task<bool> MSetNxAsync(IEnumerable<KeyValuePair<string, StoreValue>> pairs, CancellationToken cancellationToken = default) =>
        SendAsync(Command("MSETNX", Flatten(pairs, v => v)), Replies.Boolean, cancellationToken);

    /// <summary>INCR: the new value.</summary>
    public Task<long> IncrAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["INCR", key], Replies.Int64, cancellationToken);

    /// <summary>DECR: the new value.</summary>
    public Task<long> DecrAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["DECR", key], Replies.Int64, cancellationToken);

    /// <summary>INCRBY: the new value.</summary>
    public Task<long> IncrByAsync(string key, long increment, CancellationToken cancellationToken = default) =>
        SendAsync(["INCRBY", key, increment], Replies.Int64, cancellationToken);

    /// <summary>DECRBY: the new value.</summary>
    public Task<long> DecrByAsync(string key, long decrement, CancellationToken cancellationToken = default) =>
        SendAsync(["DECRBY", key, decrement], Replies.Int64, cancellationToken);

    /// <summary>INCRBYFLOAT: the new value.</summary>
    public Task<double> IncrByFloatAsync(string key, double increment, CancellationToken cancellationToken = default) =>
        SendAsync(["INCRBYFLOAT", key, increment], Replies.Double, cancellationToken);

    /// <summary>APPEND: the new length.</summary>
    public Task<long> AppendAsync(string key, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["APPEND", key, value], Replies.Int64, cancellationToken);

    /// <summary>STRLEN: the value's length in bytes (0 when missing).</summary>
    public Task<long> StrLenAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["STRLEN", key], Replies.Int64, cancellationToken);

    /// <summary>GETRANGE: the bytes from <paramref name="start"/> to <paramref name="end"/> (inclusive, negative from the end), as text.</summary>
    public Task<string> GetRangeAsync(string key, long start, long end, CancellationToken cancellationToken = default) =>
        SendAsync(["GETRANGE", key, start, end], r => r.AsString() ?? "", cancellationToken);

    /// <summary>SETRANGE: overwrites from <paramref name="offset"/>; the new length.</summary>
    public Task<long> SetRangeAsync(string key, long offset, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["SETRANGE", key, offset, value], Replies.Int64, cancellationToken);
}
