namespace Serverless.Store.Client;

/// <summary>An end of a list (LMOVE).</summary>
public enum ListSide
{
    /// <summary>The head (LEFT).</summary>
    Left,
    /// <summary>The tail (RIGHT).</summary>
    Right,
}

public abstract partial class StoreCommands
{
    /// <summary>LPUSH one value: the list's new length.</summary>
    public Task<long> LPushAsync(string key, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["LPUSH", key, value], Replies.Int64, cancellationToken);

    /// <summary>LPUSH: the list's new length (the last value ends up first).</summary>
    public Task<long> LPushAsync(string key, IEnumerable<StoreValue> values, CancellationToken cancellationToken = default) =>
        SendAsync(Command("LPUSH", [key, .. values]), Replies.Int64, cancellationToken);

    /// <summary>RPUSH one value: the list's new length.</summary>
    public Task<long> RPushAsync(string key, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["RPUSH", key, value], Replies.Int64, cancellationToken);

    /// <summary>RPUSH: the list's new length.</summary>
    public Task<long> RPushAsync(string key, IEnumerable<StoreValue> values, CancellationToken cancellationToken = default) =>
        SendAsync(Command("RPUSH", [key, .. values]), Replies.Int64, cancellationToken);

    /// <summary>LPUSHX: pushes only onto an existing list; its length (0 when missing).</summary>
    public Task<long> LPushXAsync(string key, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["LPUSHX", key, value], Replies.Int64, cancellationToken);

    /// <summary>RPUSHX: pushes only onto an existing list; its length (0 when missing).</summary>
    public Task<long> RPushXAsync(string key, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["RPUSHX", key, value], Replies.Int64, cancellationToken);

    /// <summary>LPOP: the first value, or null.</summary>
    public Task<string?> LPopAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["LPOP", key], Replies.String, cancellationToken);

    /// <summary>LPOP with a count: up to <paramref name="count"/> values from the head.</summary>
    public Task<string[]> LPopAsync(string key, long count, CancellationToken cancellationToken = default) =>
        SendAsync(["LPOP", key, count], Replies.StringOrStrings, cancellationToken);

    /// <summary>RPOP: the last value, or null.</summary>
    public Task<string?> RPopAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["RPOP", key], Replies.String, cancellationToken);

    /// <summary>RPOP with a count: up to <paramref name="count"/> values from the tail.</summary>
    public Task<string[]> RPopAsync(string key, long count, CancellationToken cancellationToken = default) =>
        SendAsync(["RPOP", key, count], Replies.StringOrStrings, cancellationToken);

    /// <summary>LRANGE: the values from <paramref name="start"/> to <paramref name="stop"/> (inclusive; -1 is the last).</summary>
    public Task<string[]> LRangeAsync(string key, long start, long stop, CancellationToken cancellationToken = default) =>
        SendAsync(["LRANGE", key, start, stop], Replies.Strings, cancellationToken);

    /// <summary>LTRIM: keeps only the values from <paramref name="start"/> to <paramref name="stop"/>.</summary>
    public Task LTrimAsync(string key, long start, long stop, CancellationToken cancellationToken = default) =>
        SendAsync(["LTRIM", key, start, stop], cancellationToken);

    /// <summary>LLEN.</summary>
    public Task<long> LLenAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["LLEN", key], Replies.Int64, cancellationToken);

    /// <summary>LINDEX: the value at an index (negative from the end), or null.</summary>
    public Task<string?> LIndexAsync(string key, long index, CancellationToken cancellationToken = default) =>
        SendAsync(["LINDEX", key, index], Replies.String, cancellationToken);

    /// <summary>LSET: replaces the value at an index (an error when out of range).</summary>
    public Task LSetAsync(string key, long index, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["LSET", key, index, value], cancellationToken);

    /// <summary>LREM: removes up to |count| occurrences (from the head when positive, the tail when negative, all when 0); how many.</summary>
    public Task<long> LRemAsync(string key, long count, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["LREM", key, count, value], Replies.Int64, cancellationToken);

    /// <summary>LINSERT: inserts before or after the first <paramref name="pivot"/>; the new length, -1 when the pivot is missing.</summary>
    public Task<long> LInsertAsync(string key, bool before, StoreValue pivot, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["LINSERT", key, before ? "BEFORE" : "AFTER", pivot, value], Replies.Int64, cancellationToken);

    /// <summary>LPOS: the index of the first occurrence, or null.</summary>
    public Task<long?> LPosAsync(string key, StoreValue value, CancellationToken cancellationToken = default) =>
        SendAsync(["LPOS", key, value], Replies.NullableInt64, cancellationToken);

    /// <summary>LMOVE: pops from one end of <paramref name="source"/>, pushes onto an end of <paramref name="destination"/>; the value, or null.</summary>
    public Task<string?> LMoveAsync(string source, string destination, ListSide from, ListSide to, CancellationToken cancellationToken = default) =>
        SendAsync(["LMOVE", source, destination, Side(from), Side(to)], Replies.String, cancellationToken);

    /// <summary>RPOPLPUSH: the value moved, or null.</summary>
    public Task<string?> RPopLPushAsync(string source, string destination, CancellationToken cancellationToken = default) =>
        SendAsync(["RPOPLPUSH", source, destination], Replies.String, cancellationToken);

    static string Side(ListSide side) => side == ListSide.Left ? "LEFT" : "RIGHT";
}
