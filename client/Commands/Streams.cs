namespace Serverless.Store.Client;

public abstract partial class StoreCommands
{
    /// <summary>
    /// XADD: appends an entry; its ID. <paramref name="id"/> <c>*</c> lets the store choose;
    /// <paramref name="maxLength"/> trims (<c>MAXLEN ~</c> when <paramref name="approximate"/>);
    /// with <paramref name="noMakeStream"/> a missing stream is not created and the answer is null.
    /// </summary>
    public Task<string?> XAddAsync(string key, IEnumerable<KeyValuePair<string, StoreValue>> fields, string id = "*", long? maxLength = null,
        bool approximate = false, bool noMakeStream = false, CancellationToken cancellationToken = default)
    {
        var command = new List<StoreValue> { "XADD", key };
        if (noMakeStream) command.Add("NOMKSTREAM");
        if (maxLength is { } max) command.AddRange(approximate ? ["MAXLEN", "~", max] : ["MAXLEN", max]);
        command.Add(id);
        command.AddRange(Flatten(fields, v => v));
        return SendAsync(command.ToArray(), Replies.String, cancellationToken);
    }

    /// <summary>XLEN: how many entries.</summary>
    public Task<long> XLenAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["XLEN", key], Replies.Int64, cancellationToken);

    /// <summary>XRANGE: entries from <paramref name="start"/> to <paramref name="end"/> (<c>-</c> and <c>+</c> are the ends; <c>(</c> excludes).</summary>
    public Task<StreamEntry[]> XRangeAsync(string key, string start = "-", string end = "+", long? count = null, CancellationToken cancellationToken = default) =>
        SendAsync(count is { } c ? ["XRANGE", key, start, end, "COUNT", c] : ["XRANGE", key, start, end], Replies.StreamEntryList, cancellationToken);

    /// <summary>XREVRANGE: entries from <paramref name="end"/> down to <paramref name="start"/>.</summary>
    public Task<StreamEntry[]> XRevRangeAsync(string key, string end = "+", string start = "-", long? count = null, CancellationToken cancellationToken = default) =>
        SendAsync(count is { } c ? ["XREVRANGE", key, end, start, "COUNT", c] : ["XREVRANGE", key, end, start], Replies.StreamEntryList, cancellationToken);

    /// <summary>XDEL: how many entries were deleted.</summary>
    public Task<long> XDelAsync(string key, IEnumerable<string> ids, CancellationToken cancellationToken = default) =>
        SendAsync(Command("XDEL", [key, .. Keys(ids)]), Replies.Int64, cancellationToken);

    /// <summary>XTRIM MAXLEN (<c>~</c> when <paramref name="approximate"/>): how many entries were removed.</summary>
    public Task<long> XTrimAsync(string key, long maxLength, bool approximate = false, CancellationToken cancellationToken = default) =>
        SendAsync(approximate ? ["XTRIM", key, "MAXLEN", "~", maxLength] : ["XTRIM", key, "MAXLEN", maxLength], Replies.Int64, cancellationToken);

    /// <summary>
    /// XREAD: entries after the given IDs (<c>$</c>: only new ones), per stream; empty when nothing
    /// came. With <paramref name="block"/> the store waits up to that long (at most 30 s over REST).
    /// </summary>
    public Task<StreamEntries[]> XReadAsync(IEnumerable<KeyValuePair<string, string>> streams, long? count = null, TimeSpan? block = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(ReadCommand(["XREAD"], streams, count, block, noAck: false), Replies.StreamReads, cancellationToken);

    /// <summary>
    /// XREADGROUP as <paramref name="consumer"/> of <paramref name="group"/>: <c>&gt;</c> reads new
    /// entries, an ID re-reads this consumer's pending ones; empty when nothing came.
    /// </summary>
    public Task<StreamEntries[]> XReadGroupAsync(string group, string consumer, IEnumerable<KeyValuePair<string, string>> streams, long? count = null,
        TimeSpan? block = null, bool noAck = false, CancellationToken cancellationToken = default) =>
        SendAsync(ReadCommand(["XREADGROUP", "GROUP", group, consumer], streams, count, block, noAck), Replies.StreamReads, cancellationToken);

    static StoreValue[] ReadCommand(StoreValue[] head, IEnumerable<KeyValuePair<string, string>> streams, long? count, TimeSpan? block, bool noAck)
    {
        var list = streams.ToList();
        var command = new List<StoreValue>(head);
        if (count is { } c) command.AddRange(["COUNT", c]);
        if (block is { } b) command.AddRange(["BLOCK", (long)b.TotalMilliseconds]);
        if (noAck) command.Add("NOACK");
        command.Add("STREAMS");
        command.AddRange(list.Select(s => (StoreValue)s.Key));
        command.AddRange(list.Select(s => (StoreValue)s.Value));
        return command.ToArray();
    }

    /// <summary>XGROUP CREATE at <paramref name="id"/> (<c>$</c>: only new entries; <c>0</c>: all); MKSTREAM creates a missing stream.</summary>
    public Task XGroupCreateAsync(string key, string group, string id = "$", bool makeStream = false, CancellationToken cancellationToken = default) =>
        SendAsync(makeStream ? ["XGROUP", "CREATE", key, group, id, "MKSTREAM"] : ["XGROUP", "CREATE", key, group, id], cancellationToken);

    /// <summary>XGROUP DESTROY: true when the group existed.</summary>
    public Task<bool> XGroupDestroyAsync(string key, string group, CancellationToken cancellationToken = default) =>
        SendAsync(["XGROUP", "DESTROY", key, group], Replies.Boolean, cancellationToken);

    /// <summary>XGROUP CREATECONSUMER: true when the consumer is new.</summary>
    public Task<bool> XGroupCreateConsumerAsync(string key, string group, string consumer, CancellationToken cancellationToken = default) =>
        SendAsync(["XGROUP", "CREATECONSUMER", key, group, consumer], Replies.Boolean, cancellationToken);

    /// <summary>XGROUP DELCONSUMER: how many pending entries the consumer had.</summary>
    public Task<long> XGroupDelConsumerAsync(string key, string group, string consumer, CancellationToken cancellationToken = default) =>
        SendAsync(["XGROUP", "DELCONSUMER", key, group, consumer], Replies.Int64, cancellationToken);

    /// <summary>XGROUP SETID: moves the group's last-delivered ID.</summary>
    public Task XGroupSetIdAsync(string key, string group, string id, CancellationToken cancellationToken = default) =>
        SendAsync(["XGROUP", "SETID", key, group, id], cancellationToken);

    /// <summary>XACK: how many entries were acknowledged.</summary>
    public Task<long> XAckAsync(string key, string group, IEnumerable<string> ids, CancellationToken cancellationToken = default) =>
        SendAsync(Command("XACK", [key, group, .. Keys(ids)]), Replies.Int64, cancellationToken);

    /// <summary>XPENDING's summary form.</summary>
    public Task<StreamPendingSummary> XPendingAsync(string key, string group, CancellationToken cancellationToken = default) =>
        SendAsync(["XPENDING", key, group], Replies.PendingSummary, cancellationToken);

    /// <summary>XPENDING's extended form: up to <paramref name="count"/> pending entries between two IDs, optionally of one consumer or idle at least <paramref name="minIdle"/>.</summary>
    public Task<StreamPendingEntry[]> XPendingRangeAsync(string key, string group, string start, string end, long count, string? consumer = null,
        TimeSpan? minIdle = null, CancellationToken cancellationToken = default)
    {
        var command = new List<StoreValue> { "XPENDING", key, group };
        if (minIdle is { } idle) command.AddRange(["IDLE", (long)idle.TotalMilliseconds]);
        command.AddRange([start, end, count]);
        if (consumer is not null) command.Add(consumer);
        return SendAsync(command.ToArray(), Replies.PendingEntries, cancellationToken);
    }

    /// <summary>XCLAIM: takes pending entries idle at least <paramref name="minIdle"/> for <paramref name="consumer"/>; the entries claimed.</summary>
    public Task<StreamEntry[]> XClaimAsync(string key, string group, string consumer, TimeSpan minIdle, IEnumerable<string> ids,
        CancellationToken cancellationToken = default) =>
        SendAsync(Command("XCLAIM", [key, group, consumer, (long)minIdle.TotalMilliseconds, .. Keys(ids)]), Replies.StreamEntryList, cancellationToken);

    /// <summary>XAUTOCLAIM from <paramref name="start"/>: claims up to <paramref name="count"/> entries idle at least <paramref name="minIdle"/>.</summary>
    public Task<StreamAutoClaimResult> XAutoClaimAsync(string key, string group, string consumer, TimeSpan minIdle, string start = "0-0", long? count = null,
        CancellationToken cancellationToken = default) =>
        SendAsync(count is { } c
            ? ["XAUTOCLAIM", key, group, consumer, (long)minIdle.TotalMilliseconds, start, "COUNT", c]
            : ["XAUTOCLAIM", key, group, consumer, (long)minIdle.TotalMilliseconds, start], Replies.AutoClaim, cancellationToken);

    /// <summary>XSETID: sets the stream's last ID.</summary>
    public Task XSetIdAsync(string key, string lastId, CancellationToken cancellationToken = default) =>
        SendAsync(["XSETID", key, lastId], cancellationToken);
}
