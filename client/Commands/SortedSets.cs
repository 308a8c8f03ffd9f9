namespace Serverless.Store.Client;

/// <summary>ZADD's options (combine with |; NX excludes XX, GT and LT).</summary>
[Flags]
public enum ZAddOptions
{
    /// <summary>Add new members and update existing ones.</summary>
    None = 0,
    /// <summary>Only add new members (NX).</summary>
    NotExists = 1,
    /// <summary>Only update existing members (XX).</summary>
    Exists = 2,
    /// <summary>Only update when the new score is greater (GT).</summary>
    GreaterThan = 4,
    /// <summary>Only update when the new score is less (LT).</summary>
    LessThan = 8,
    /// <summary>Answer how many members changed, not how many were added (CH).</summary>
    Changed = 16,
}

/// <summary>How ZUNIONSTORE and ZINTERSTORE combine the scores of a member present in several sets.</summary>
public enum ZAggregate
{
    /// <summary>Add them (the default).</summary>
    Sum,
    /// <summary>Keep the smallest.</summary>
    Min,
    /// <summary>Keep the largest.</summary>
    Max,
}

public abstract partial class StoreCommands
{
    /// <summary>ZADD one member: true when it was new.</summary>
    public Task<bool> ZAddAsync(string key, string member, double score, CancellationToken cancellationToken = default) =>
        SendAsync(["ZADD", key, score, member], Replies.Boolean, cancellationToken);

    /// <summary>ZADD: how many members were added (or changed, with <see cref="ZAddOptions.Changed"/>).</summary>
    public Task<long> ZAddAsync(string key, IEnumerable<SortedSetEntry> entries, ZAddOptions options = ZAddOptions.None, CancellationToken cancellationToken = default)
    {
        var command = new List<StoreValue> { "ZADD", key };
        if (options.HasFlag(ZAddOptions.NotExists)) command.Add("NX");
        if (options.HasFlag(ZAddOptions.Exists)) command.Add("XX");
        if (options.HasFlag(ZAddOptions.GreaterThan)) command.Add("GT");
        if (options.HasFlag(ZAddOptions.LessThan)) command.Add("LT");
        if (options.HasFlag(ZAddOptions.Changed)) command.Add("CH");
        foreach (var e in entries) command.AddRange([e.Score, e.Member]);
        return SendAsync(command.ToArray(), Replies.Int64, cancellationToken);
    }

    /// <summary>ZINCRBY: the member's new score.</summary>
    public Task<double> ZIncrByAsync(string key, double increment, string member, CancellationToken cancellationToken = default) =>
        SendAsync(["ZINCRBY", key, increment, member], Replies.Double, cancellationToken);

    /// <summary>ZSCORE: the member's score, or null.</summary>
    public Task<double?> ZScoreAsync(string key, string member, CancellationToken cancellationToken = default) =>
        SendAsync(["ZSCORE", key, member], Replies.NullableDouble, cancellationToken);

    /// <summary>ZMSCORE: one score per member, null where missing.</summary>
    public Task<double?[]> ZMScoreAsync(string key, IEnumerable<string> members, CancellationToken cancellationToken = default) =>
        SendAsync(Command("ZMSCORE", [key, .. Keys(members)]), Replies.NullableDoubles, cancellationToken);

    /// <summary>ZCARD: how many members.</summary>
    public Task<long> ZCardAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["ZCARD", key], Replies.Int64, cancellationToken);

    /// <summary>ZCOUNT: members with a score from <paramref name="min"/> to <paramref name="max"/> (inclusive; infinities allowed).</summary>
    public Task<long> ZCountAsync(string key, double min, double max, CancellationToken cancellationToken = default) =>
        SendAsync(["ZCOUNT", key, min, max], Replies.Int64, cancellationToken);

    /// <summary>ZRANGE by rank (REV: from the highest score).</summary>
    public Task<string[]> ZRangeAsync(string key, long start, long stop, bool reverse = false, CancellationToken cancellationToken = default) =>
        SendAsync(reverse ? ["ZRANGE", key, start, stop, "REV"] : ["ZRANGE", key, start, stop], Replies.Strings, cancellationToken);

    /// <summary>ZRANGE by rank WITHSCORES (REV: from the highest score).</summary>
    public Task<SortedSetEntry[]> ZRangeWithScoresAsync(string key, long start, long stop, bool reverse = false, CancellationToken cancellationToken = default) =>
        SendAsync(reverse ? ["ZRANGE", key, start, stop, "REV", "WITHSCORES"] : ["ZRANGE", key, start, stop, "WITHSCORES"], Replies.Entries, cancellationToken);

    /// <summary>ZRANGEBYSCORE (ZREVRANGEBYSCORE when <paramref name="reverse"/>): members scored from <paramref name="min"/> to <paramref name="max"/>, optionally a page of them.</summary>
    public Task<string[]> ZRangeByScoreAsync(string key, double min, double max, bool reverse = false, long? offset = null, long? count = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(ByScore(key, min, max, reverse, offset, count, withScores: false), Replies.Strings, cancellationToken);

    /// <summary>ZRANGEBYSCORE WITHSCORES (ZREVRANGEBYSCORE when <paramref name="reverse"/>).</summary>
    public Task<SortedSetEntry[]> ZRangeByScoreWithScoresAsync(string key, double min, double max, bool reverse = false, long? offset = null, long? count = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(ByScore(key, min, max, reverse, offset, count, withScores: true), Replies.Entries, cancellationToken);

    static StoreValue[] ByScore(string key, double min, double max, bool reverse, long? offset, long? count, bool withScores)
    {
        var command = reverse ? new List<StoreValue> { "ZREVRANGEBYSCORE", key, max, min } : new List<StoreValue> { "ZRANGEBYSCORE", key, min, max };
        if (withScores) command.Add("WITHSCORES");
        if (offset is not null || count is not null) command.AddRange(["LIMIT", offset ?? 0, count ?? -1]);
        return command.ToArray();
    }

    /// <summary>ZRANGEBYLEX (ZREVRANGEBYLEX when <paramref name="reverse"/>): bounds in Redis's form, <c>[a</c>, <c>(a</c>, <c>-</c>, <c>+</c>.</summary>
    public Task<string[]> ZRangeByLexAsync(string key, string min, string max, bool reverse = false, CancellationToken cancellationToken = default) =>
        SendAsync(reverse ? ["ZREVRANGEBYLEX", key, max, min] : ["ZRANGEBYLEX", key, min, max], Replies.Strings, cancellationToken);

    /// <summary>ZLEXCOUNT: members between two lexicographic bounds (<c>[a</c>, <c>(a</c>, <c>-</c>, <c>+</c>).</summary>
    public Task<long> ZLexCountAsync(string key, string min, string max, CancellationToken cancellationToken = default) =>
        SendAsync(["ZLEXCOUNT", key, min, max], Replies.Int64, cancellationToken);

    /// <summary>ZRANK: the member's rank from the lowest score, or null.</summary>
    public Task<long?> ZRankAsync(string key, string member, CancellationToken cancellationToken = default) =>
        SendAsync(["ZRANK", key, member], Replies.NullableInt64, cancellationToken);

    /// <summary>ZREVRANK: the member's rank from the highest score, or null.</summary>
    public Task<long?> ZRevRankAsync(string key, string member, CancellationToken cancellationToken = default) =>
        SendAsync(["ZREVRANK", key, member], Replies.NullableInt64, cancellationToken);

    /// <summary>ZREM: how many members were removed.</summary>
    public Task<long> ZRemAsync(string key, IEnumerable<string> members, CancellationToken cancellationToken = default) =>
        SendAsync(Command("ZREM", [key, .. Keys(members)]), Replies.Int64, cancellationToken);

    /// <summary>ZREMRANGEBYSCORE: how many were removed.</summary>
    public Task<long> ZRemRangeByScoreAsync(string key, double min, double max, CancellationToken cancellationToken = default) =>
        SendAsync(["ZREMRANGEBYSCORE", key, min, max], Replies.Int64, cancellationToken);

    /// <summary>ZREMRANGEBYRANK: how many were removed.</summary>
    public Task<long> ZRemRangeByRankAsync(string key, long start, long stop, CancellationToken cancellationToken = default) =>
        SendAsync(["ZREMRANGEBYRANK", key, start, stop], Replies.Int64, cancellationToken);

    /// <summary>ZREMRANGEBYLEX: how many were removed.</summary>
    public Task<long> ZRemRangeByLexAsync(string key, string min, string max, CancellationToken cancellationToken = default) =>
        SendAsync(["ZREMRANGEBYLEX", key, min, max], Replies.Int64, cancellationToken);

    /// <summary>ZPOPMIN: removes and answers up to <paramref name="count"/> lowest-scored members.</summary>
    public Task<SortedSetEntry[]> ZPopMinAsync(string key, long count = 1, CancellationToken cancellationToken = default) =>
        SendAsync(["ZPOPMIN", key, count], Replies.Entries, cancellationToken);

    /// <summary>ZPOPMAX: removes and answers up to <paramref name="count"/> highest-scored members.</summary>
    public Task<SortedSetEntry[]> ZPopMaxAsync(string key, long count = 1, CancellationToken cancellationToken = default) =>
        SendAsync(["ZPOPMAX", key, count], Replies.Entries, cancellationToken);

    /// <summary>ZRANDMEMBER with a count: distinct random members (a negative count allows repeats).</summary>
    public Task<string[]> ZRandMemberAsync(string key, long count, CancellationToken cancellationToken = default) =>
        SendAsync(["ZRANDMEMBER", key, count], Replies.Strings, cancellationToken);

    /// <summary>ZUNIONSTORE: the result's size.</summary>
    public Task<long> ZUnionStoreAsync(string destination, IEnumerable<string> keys, IEnumerable<double>? weights = null, ZAggregate aggregate = ZAggregate.Sum,
        CancellationToken cancellationToken = default) =>
        SendAsync(Combine("ZUNIONSTORE", destination, keys, weights, aggregate, withScores: false), Replies.Int64, cancellationToken);

    /// <summary>ZINTERSTORE: the result's size.</summary>
    public Task<long> ZInterStoreAsync(string destination, IEnumerable<string> keys, IEnumerable<double>? weights = null, ZAggregate aggregate = ZAggregate.Sum,
        CancellationToken cancellationToken = default) =>
        SendAsync(Combine("ZINTERSTORE", destination, keys, weights, aggregate, withScores: false), Replies.Int64, cancellationToken);

    /// <summary>ZDIFFSTORE: the result's size.</summary>
    public Task<long> ZDiffStoreAsync(string destination, IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        var list = keys.ToList();
        return SendAsync(Command("ZDIFFSTORE", [destination, list.Count, .. Keys(list)]), Replies.Int64, cancellationToken);
    }

    /// <summary>ZUNION WITHSCORES.</summary>
    public Task<SortedSetEntry[]> ZUnionAsync(IEnumerable<string> keys, IEnumerable<double>? weights = null, ZAggregate aggregate = ZAggregate.Sum,
        CancellationToken cancellationToken = default) =>
        SendAsync(Combine("ZUNION", null, keys, weights, aggregate, withScores: true), Replies.Entries, cancellationToken);

    /// <summary>ZINTER WITHSCORES.</summary>
    public Task<SortedSetEntry[]> ZInterAsync(IEnumerable<string> keys, IEnumerable<double>? weights = null, ZAggregate aggregate = ZAggregate.Sum,
        CancellationToken cancellationToken = default) =>
        SendAsync(Combine("ZINTER", null, keys, weights, aggregate, withScores: true), Replies.Entries, cancellationToken);

    /// <summary>ZDIFF WITHSCORES: members of the first set in none of the others.</summary>
    public Task<SortedSetEntry[]> ZDiffAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default)
    {
        var list = keys.ToList();
        return SendAsync(Command("ZDIFF", [list.Count, .. Keys(list), "WITHSCORES"]), Replies.Entries, cancellationToken);
    }

    static StoreValue[] Combine(string name, string? destination, IEnumerable<string> keys, IEnumerable<double>? weights, ZAggregate aggregate, bool withScores)
    {
        var list = keys.ToList();
        var command = new List<StoreValue> { name };
        if (destination is not null) command.Add(destination);
        command.Add(list.Count);
        command.AddRange(Keys(list));
        if (weights is not null)
        {
            command.Add("WEIGHTS");
            command.AddRange(weights.Select(w => (StoreValue)w));
        }
        if (aggregate != ZAggregate.Sum) command.AddRange(["AGGREGATE", aggregate.ToString().ToUpperInvariant()]);
        if (withScores) command.Add("WITHSCORES");
        return command.ToArray();
    }

    /// <summary>ZSCAN: one page of members and scores from <paramref name="cursor"/> ("0" to start).</summary>
    public Task<ScanPage<SortedSetEntry>> ZScanAsync(string key, string cursor, string? match = null, long? count = null, CancellationToken cancellationToken = default) =>
        SendAsync(ScanCommand("ZSCAN", key, cursor, match, count), Replies.EntryPage, cancellationToken);
}
