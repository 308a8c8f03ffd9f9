namespace Serverless.Store.Client;

public abstract partial class StoreCommands
{
    /// <summary>SADD one member: true when it was new.</summary>
    public Task<bool> SAddAsync(string key, StoreValue member, CancellationToken cancellationToken = default) =>
        SendAsync(["SADD", key, member], Replies.Boolean, cancellationToken);

    /// <summary>SADD: how many members were new.</summary>
    public Task<long> SAddAsync(string key, IEnumerable<StoreValue> members, CancellationToken cancellationToken = default) =>
        SendAsync(Command("SADD", [key, .. members]), Replies.Int64, cancellationToken);

    /// <summary>SREM: how many members were removed.</summary>
    public Task<long> SRemAsync(string key, IEnumerable<StoreValue> members, CancellationToken cancellationToken = default) =>
        SendAsync(Command("SREM", [key, .. members]), Replies.Int64, cancellationToken);

    /// <summary>SMEMBERS: every member (in no particular order).</summary>
    public Task<string[]> SMembersAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["SMEMBERS", key], Replies.Strings, cancellationToken);

    /// <summary>SISMEMBER.</summary>
    public Task<bool> SIsMemberAsync(string key, StoreValue member, CancellationToken cancellationToken = default) =>
        SendAsync(["SISMEMBER", key, member], Replies.Boolean, cancellationToken);

    /// <summary>SMISMEMBER: one answer per member.</summary>
    public Task<bool[]> SMIsMemberAsync(string key, IEnumerable<StoreValue> members, CancellationToken cancellationToken = default) =>
        SendAsync(Command("SMISMEMBER", [key, .. members]), Replies.Booleans, cancellationToken);

    /// <summary>SCARD: how many members.</summary>
    public Task<long> SCardAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["SCARD", key], Replies.Int64, cancellationToken);

    /// <summary>SPOP: removes and answers a random member, or null.</summary>
    public Task<string?> SPopAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["SPOP", key], Replies.String, cancellationToken);

    /// <summary>SPOP with a count: up to <paramref name="count"/> random members, removed.</summary>
    public Task<string[]> SPopAsync(string key, long count, CancellationToken cancellationToken = default) =>
        SendAsync(["SPOP", key, count], Replies.StringOrStrings, cancellationToken);

    /// <summary>SRANDMEMBER: a random member, or null.</summary>
    public Task<string?> SRandMemberAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["SRANDMEMBER", key], Replies.String, cancellationToken);

    /// <summary>SRANDMEMBER with a count: distinct random members (a negative count allows repeats).</summary>
    public Task<string[]> SRandMemberAsync(string key, long count, CancellationToken cancellationToken = default) =>
        SendAsync(["SRANDMEMBER", key, count], Replies.Strings, cancellationToken);

    /// <summary>SINTER.</summary>
    public Task<string[]> SInterAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        SendAsync(Command("SINTER", Keys(keys)), Replies.Strings, cancellationToken);

    /// <summary>SUNION.</summary>
    public Task<string[]> SUnionAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        SendAsync(Command("SUNION", Keys(keys)), Replies.Strings, cancellationToken);

    /// <summary>SDIFF: members of the first set in none of the others.</summary>
    public Task<string[]> SDiffAsync(IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        SendAsync(Command("SDIFF", Keys(keys)), Replies.Strings, cancellationToken);

    /// <summary>SINTERSTORE: the result's size.</summary>
    public Task<long> SInterStoreAsync(string destination, IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        SendAsync(Command("SINTERSTORE", [destination, .. Keys(keys)]), Replies.Int64, cancellationToken);

    /// <summary>SUNIONSTORE: the result's size.</summary>
    public Task<long> SUnionStoreAsync(string destination, IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        SendAsync(Command("SUNIONSTORE", [destination, .. Keys(keys)]), Replies.Int64, cancellationToken);

    /// <summary>SDIFFSTORE: the result's size.</summary>
    public Task<long> SDiffStoreAsync(string destination, IEnumerable<string> keys, CancellationToken cancellationToken = default) =>
        SendAsync(Command("SDIFFSTORE", [destination, .. Keys(keys)]), Replies.Int64, cancellationToken);

    /// <summary>SMOVE: true when the member was moved.</summary>
    public Task<bool> SMoveAsync(string source, string destination, StoreValue member, CancellationToken cancellationToken = default) =>
        SendAsync(["SMOVE", source, destination, member], Replies.Boolean, cancellationToken);

    /// <summary>SINTERCARD: the intersection's size (counting stops at <paramref name="limit"/> when given).</summary>
    public Task<long> SInterCardAsync(IEnumerable<string> keys, long? limit = null, CancellationToken cancellationToken = default)
    {
        var list = keys.ToList();
        StoreValue[] tail = limit is { } l ? ["LIMIT", l] : [];
        return SendAsync(Command("SINTERCARD", [list.Count, .. Keys(list), .. tail]), Replies.Int64, cancellationToken);
    }

    /// <summary>SSCAN: one page of members from <paramref name="cursor"/> ("0" to start).</summary>
    public Task<ScanPage<string>> SScanAsync(string key, string cursor, string? match = null, long? count = null, CancellationToken cancellationToken = default) =>
        SendAsync(ScanCommand("SSCAN", key, cursor, match, count), Replies.KeyPage, cancellationToken);
}
