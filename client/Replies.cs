namespace Serverless.Store.Client;

/// <summary>A member of a sorted set and its score.</summary>
public readonly record struct SortedSetEntry(string Member, double Score);

/// <summary>One entry of a stream: its ID and its field/value pairs in order (null fields: an entry deleted while pending).</summary>
public sealed record StreamEntry(string Id, IReadOnlyList<KeyValuePair<string, string>>? Fields)
{
    /// <summary>The value of a field, or null when the entry has no such field.</summary>
    public string? this[string field] => Fields?.FirstOrDefault(f => f.Key == field).Value;
}

/// <summary>The entries read from one stream (XREAD, XREADGROUP).</summary>
public sealed record StreamEntries(string Stream, IReadOnlyList<StreamEntry> Entries);

/// <summary>XPENDING's summary: how many entries are pending, the lowest and highest IDs, and per consumer how many.</summary>
public sealed record StreamPendingSummary(long Count, string? LowestId, string? HighestId, IReadOnlyList<KeyValuePair<string, long>> Consumers);

/// <summary>One pending entry (XPENDING's extended form): who has it, for how long, how often delivered.</summary>
public sealed record StreamPendingEntry(string Id, string Consumer, TimeSpan Idle, long Deliveries);

/// <summary>XAUTOCLAIM's answer: where to continue, the claimed entries, and IDs that no longer exist.</summary>
public sealed record StreamAutoClaimResult(string NextStartId, IReadOnlyList<StreamEntry> Entries, IReadOnlyList<string> DeletedIds);

/// <summary>One page of a SCAN-family command: the cursor to continue with ("0" when done) and the page's items.</summary>
public sealed record ScanPage<T>(string Cursor, IReadOnlyList<T> Items)
{
    /// <summary>True when the iteration is complete.</summary>
    public bool IsLast => Cursor == "0";
}

/// <summary>Converts the store's replies into the typed methods' .NET types (one home for every reply shape).</summary>
static class Replies
{
    public static string? String(StoreResult r) => r.AsString();
    public static byte[]? Bytes(StoreResult r) => r.AsBytes();
    public static long Int64(StoreResult r) => r.AsInt64();
    public static long? NullableInt64(StoreResult r) => r.AsNullableInt64();
    public static double Double(StoreResult r) => r.AsDouble();
    public static double? NullableDouble(StoreResult r) => r.AsNullableDouble();
    public static bool Boolean(StoreResult r) => r.AsBoolean();
    public static StoreResult Raw(StoreResult r) => r;
    public static bool Ok(StoreResult r) => r.IsOk;
    public static string[] Strings(StoreResult r) => r.AsArray().Select(i => i.AsString()!).ToArray();
    public static string?[] NullableStrings(StoreResult r) => r.AsStringArray();
    public static bool[] Booleans(StoreResult r) => r.AsArray().Select(i => i.AsBoolean()).ToArray();
    public static double?[] NullableDoubles(StoreResult r) => r.AsArray().Select(i => i.AsNullableDouble()).ToArray();

    /// <summary>A reply that is nil, one item, or an array (LPOP/SPOP with and without a count): always an array.</summary>
    public static string[] StringOrStrings(StoreResult r) => r.Kind switch
    {
        StoreResultKind.Null => [],
        StoreResultKind.Array => Strings(r),
        _ => [r.AsString()!],
    };

    /// <summary>A flat [field, value, field, value...] array (HGETALL) as a dictionary.</summary>
    public static Dictionary<string, string> Dictionary(StoreResult r)
    {
        var items = r.AsArray();
        var result = new Dictionary<string, string>(items.Count / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Count; i += 2) result[items[i].AsString()!] = items[i + 1].AsString()!;
        return result;
    }

    /// <summary>A flat [name, value...] array as ordered pairs (stream fields keep order and repeats).</summary>
    public static KeyValuePair<string, string>[] Pairs(StoreResult r)
    {
        var items = r.AsArray();
        var result = new KeyValuePair<string, string>[items.Count / 2];
        for (var i = 0; i < result.Length; i++) result[i] = new(items[2 * i].AsString()!, items[2 * i + 1].AsString()!);
        return result;
    }

    /// <summary>A flat [member, score, ...] array (WITHSCORES) as entries.</summary>
    public static SortedSetEntry[] Entries(StoreResult r)
    {
        var items = r.AsArray();
        var result = new SortedSetEntry[items.Count / 2];
        for (var i = 0; i < result.Length; i++) result[i] = new(items[2 * i].AsString()!, items[2 * i + 1].AsDouble());
        return result;
    }

    public static StreamEntry StreamEntry(StoreResult r)
    {
        var parts = r.AsArray();
        return new StreamEntry(parts[0].AsString()!, parts[1].IsNull ? null : Pairs(parts[1]));
    }

    public static StreamEntry[] StreamEntryList(StoreResult r) => r.AsArray().Select(StreamEntry).ToArray();

    /// <summary>XREAD/XREADGROUP: [[stream, [entries]], ...] or nil (nothing arrived).</summary>
    public static StreamEntries[] StreamReads(StoreResult r) => r.AsArray()
        .Select(s => new StreamEntries(s.AsArray()[0].AsString()!, StreamEntryList(s.AsArray()[1])))
        .ToArray();

    public static StreamPendingSummary PendingSummary(StoreResult r)
    {
        var parts = r.AsArray();
        var consumers = parts[3].AsArray().Select(c => new KeyValuePair<string, long>(c.AsArray()[0].AsString()!, c.AsArray()[1].AsInt64())).ToArray();
        return new StreamPendingSummary(parts[0].AsInt64(), parts[1].AsString(), parts[2].AsString(), consumers);
    }

    public static StreamPendingEntry[] PendingEntries(StoreResult r) => r.AsArray()
        .Select(e => e.AsArray())
        .Select(e => new StreamPendingEntry(e[0].AsString()!, e[1].AsString()!, TimeSpan.FromMilliseconds(e[2].AsInt64()), e[3].AsInt64()))
        .ToArray();

    public static StreamAutoClaimResult AutoClaim(StoreResult r)
    {
        var parts = r.AsArray();
        var deleted = parts.Count > 2 ? Strings(parts[2]) : [];
        return new StreamAutoClaimResult(parts[0].AsString()!, StreamEntryList(parts[1]), deleted);
    }

    public static ScanPage<string> KeyPage(StoreResult r)
    {
        var parts = r.AsArray();
        return new ScanPage<string>(parts[0].AsString()!, Strings(parts[1]));
    }

    public static ScanPage<KeyValuePair<string, string>> PairPage(StoreResult r)
    {
        var parts = r.AsArray();
        return new ScanPage<KeyValuePair<string, string>>(parts[0].AsString()!, Pairs(parts[1]));
    }

    public static ScanPage<SortedSetEntry> EntryPage(StoreResult r)
    {
        var parts = r.AsArray();
        return new ScanPage<SortedSetEntry>(parts[0].AsString()!, Entries(parts[1]));
    }

    /// <summary>TIME: [seconds, microseconds] as a point in time.</summary>
    public static DateTimeOffset Time(StoreResult r)
    {
        var parts = r.AsArray();
        return DateTimeOffset.FromUnixTimeSeconds(parts[0].AsInt64()).AddTicks(parts[1].AsInt64() * 10);
    }

    /// <summary>PUBSUB NUMSUB: [channel, count, ...] as pairs.</summary>
    public static Dictionary<string, long> Counts(StoreResult r)
    {
        var items = r.AsArray();
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Count; i += 2) result[items[i].AsString()!] = items[i + 1].AsInt64();
        return result;
    }
}
