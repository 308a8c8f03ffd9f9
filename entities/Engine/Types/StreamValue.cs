using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>A stream entry ID: milliseconds and sequence, ordered as one 128-bit number (Redis's streamID).</summary>
public readonly record struct StreamId(ulong Ms, ulong Seq) : IComparable<StreamId>
{
    public static readonly StreamId Zero = new(0, 0);
    public static readonly StreamId Max = new(ulong.MaxValue, ulong.MaxValue);

    public int CompareTo(StreamId other) => Ms != other.Ms ? Ms.CompareTo(other.Ms) : Seq.CompareTo(other.Seq);

    public static bool operator <(StreamId a, StreamId b) => a.CompareTo(b) < 0;
    public static bool operator >(StreamId a, StreamId b) => a.CompareTo(b) > 0;
    public static bool operator <=(StreamId a, StreamId b) => a.CompareTo(b) <= 0;
    public static bool operator >=(StreamId a, StreamId b) => a.CompareTo(b) >= 0;

    public bool IsZero => Ms == 0 && Seq == 0;

    public override string ToString() => Ms.ToString(CultureInfo.InvariantCulture) + "-" + Seq.ToString(CultureInfo.InvariantCulture);

    public byte[] ToBytes() => Encoding.ASCII.GetBytes(ToString());

    /// <summary>The next ID (streamIncrID); false when this is the last possible ID.</summary>
    public bool TryIncrement(out StreamId next)
    {
        if (Seq != ulong.MaxValue) { next = new(Ms, Seq + 1); return true; }
        if (Ms != ulong.MaxValue) { next = new(Ms + 1, 0); return true; }
        next = Zero;
        return false;
    }

    /// <summary>The previous ID (streamDecrID); false when this is 0-0.</summary>
    public bool TryDecrement(out StreamId previous)
    {
        if (Seq != 0) { previous = new(Ms, Seq - 1); return true; }
        if (Ms != 0) { previous = new(Ms - 1, ulong.MaxValue); return true; }
        previous = Max;
        return false;
    }

    /// <summary>
    /// Redis's streamGenericParseIDOrReply: "-", "+", "ms" (seq = <paramref name="missingSeq"/>),
    /// "ms-seq", and with <paramref name="allowSeqStar"/> "ms-*" (then <paramref name="seqGiven"/> is
    /// false). Strict parsing refuses "-" and "+".
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> s, ulong missingSeq, bool strict, bool allowSeqStar, out StreamId id, out bool seqGiven)
    {
        id = Zero;
        seqGiven = true;
        if (s.Length > 127) return false;
        var nul = s.IndexOf((byte)0); // Redis parses a C string: it ends at the first NUL
        if (nul >= 0) s = s[..nul];
        if (s is [(byte)'-'] or [(byte)'+'])
        {
            if (strict) return false;
            id = s[0] == '-' ? Zero : Max;
            return true;
        }
        var dash = s.IndexOf((byte)'-');
        var msPart = dash < 0 ? s : s[..dash];
        if (!TryParseULong(msPart, out var ms)) return false;
        var seq = missingSeq;
        if (dash >= 0)
        {
            var seqPart = s[(dash + 1)..];
            if (allowSeqStar && seqPart is [(byte)'*'])
            {
                seq = 0;
                seqGiven = false;
            }
            else if (!TryParseULong(seqPart, out seq))
            {
                return false;
            }
        }
        id = new StreamId(ms, seq);
        return true;
    }

    /// <summary>
    /// Redis's string2ull: string2ll for the common case (negative refused), else strtoull, which
    /// also takes leading spaces, a sign and leading zeros (so "05" is 5, as in Redis).
    /// </summary>
    static bool TryParseULong(ReadOnlySpan<byte> s, out ulong value)
    {
        value = 0;
        if (Numbers.TryParseLong(s, out var ll))
        {
            if (ll < 0) return false;
            value = (ulong)ll;
            return true;
        }
        var i = 0;
        while (i < s.Length && s[i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\v' or (byte)'\f' or (byte)'\r') i++;
        var negative = false;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-') negative = s[i++] == '-';
        var start = i;
        ulong v = 0;
        for (; i < s.Length && s[i] is >= (byte)'0' and <= (byte)'9'; i++)
        {
            var digit = (ulong)(s[i] - '0');
            if (v > (ulong.MaxValue - digit) / 10) return false; // ERANGE
            v = v * 10 + digit;
        }
        if (i == start || i != s.Length) return false;
        value = negative ? unchecked(0 - v) : v;
        return true;
    }
}

/// <summary>One stream entry: its ID and its field/value pairs, flat (f1, v1, f2, v2...).</summary>
public readonly record struct StreamEntry(StreamId Id, byte[][] Fields);

/// <summary>
/// A pending entry (Redis's streamNACK): delivered to a consumer of a group and not acknowledged yet.
/// </summary>
public sealed class PendingEntry(StreamId id)
{
    public StreamId Id { get; } = id;
    /// <summary>Unix ms of the last delivery.</summary>
    public long DeliveryTime { get; set; }
    public long DeliveryCount { get; set; }
    public StreamConsumer? Consumer { get; set; }

    internal static readonly IComparer<PendingEntry> ById = Comparer<PendingEntry>.Create((a, b) => a.Id.CompareTo(b.Id));
}

public sealed class StreamConsumer(byte[] name)
{
    public byte[] Name { get; } = name;
    /// <summary>Unix ms of the consumer's last interaction (XREADGROUP, XCLAIM...).</summary>
    public long SeenTime { get; set; }
    /// <summary>The entries pending for this consumer, by ID (shared objects with the group's PEL).</summary>
    public SortedSet<PendingEntry> Pending { get; } = new(PendingEntry.ById);
}

public sealed class StreamGroup(byte[] name)
{
    /// <summary>Redis's SCG_INVALID_ENTRIES_READ: the group's read counter is unknown.</summary>
    public const long InvalidEntriesRead = -1;

    public byte[] Name { get; } = name;
    public StreamId LastId { get; set; }
    public long EntriesRead { get; set; } = InvalidEntriesRead;
    /// <summary>The group's pending entries list (PEL), by ID.</summary>
    public SortedSet<PendingEntry> Pending { get; } = new(PendingEntry.ById);
    /// <summary>Consumers by name, in Redis's (memcmp) order.</summary>
    public SortedDictionary<byte[], StreamConsumer> Consumers { get; } = new(Bytes.Comparer);

    public PendingEntry? FindPending(StreamId id) => Pending.TryGetValue(new PendingEntry(id), out var found) ? found : null;

    /// <summary>Pending entries with IDs from <paramref name="start"/> to <paramref name="end"/>, in order.</summary>
    public static IEnumerable<PendingEntry> Range(SortedSet<PendingEntry> pel, StreamId start, StreamId end) =>
        start > end || pel.Count == 0 ? [] : pel.GetViewBetween(new PendingEntry(start), new PendingEntry(end));
}

/// <summary>
/// A Redis stream: entries ordered by ID, the last generated ID, the counters Redis keeps
/// (entries added, max deleted ID, recorded first ID) and the consumer groups with their pending
/// entries and consumers.
/// <para>
/// Entries live in nodes the way Redis keeps them in listpacks: a node takes entries until it holds
/// 100 (stream-node-max-entries) or its listpack would pass 4096 bytes (stream-node-max-bytes);
/// deleted entries stay in their node as tombstones until the whole node goes. This is not for
/// show: approximate trimming (MAXLEN ~ / MINID ~) removes whole nodes only, so keeping Redis's
/// node boundaries (with listpack sizes computed the way listpack.c encodes) gives the same
/// trims, and XINFO's radix-tree-keys, as redis-server. A sorted list of nodes also gives what
/// Redis's rax gives: O(1) append, O(log n) seek to an ID, whole nodes dropped from the head.
/// No library collection fits that shape (SortedSet costs an object per entry and no node edges).
/// </para>
/// </summary>
[JsonConverter(typeof(StreamValueJsonConverter))]
public sealed class StreamValue
{
    public const int NodeMaxEntries = 100;
    public const int NodeMaxBytes = 4096;

    internal readonly List<StreamNode> Nodes = [];

    /// <summary>Live entries.</summary>
    public long Length { get; internal set; }
    public StreamId LastId { get; internal set; }
    /// <summary>Every entry ever added (XINFO's entries-added; XSETID can set it).</summary>
    public long EntriesAdded { get; internal set; }
    public StreamId MaxDeletedId { get; internal set; }
    /// <summary>Redis's recorded first entry ID (0-0 when empty).</summary>
    public StreamId FirstId { get; internal set; }

    /// <summary>Consumer groups by name, in Redis's (memcmp) order.</summary>
    public SortedDictionary<byte[], StreamGroup> Groups { get; } = new(Bytes.Comparer);

    /// <summary>About the bytes the stream takes stored: its nodes' entries (deleted ones stay until the node goes) and master fields, and per group its pending entries and consumers.</summary>
    public long EstimatedBytes() =>
        Nodes.Sum(n => n.EntryBytes + n.MasterFields.Sum(f => f.Length + 4L) + 32) +
        Groups.Values.Sum(g => g.Name.Length + 32 + g.Pending.Count * 48L + g.Consumers.Keys.Sum(c => c.Length + 24L));

    /// <summary>Every live entry, in ID order (RDB writers, tests).</summary>
    public IEnumerable<StreamEntry> Entries => Range(StreamId.Zero, StreamId.Max);

    /// <summary>Number of nodes (Redis's radix-tree-keys).</summary>
    public int NodeCount => Nodes.Count;

    // ------------------------------------------------------------------ reading

    /// <summary>Live entries from <paramref name="start"/> to <paramref name="end"/> (inclusive), forwards.</summary>
    public IEnumerable<StreamEntry> Range(StreamId start, StreamId end)
    {
        if (start > end) yield break;
        for (var n = NodeAtOrBefore(start); n < Nodes.Count; n++)
        {
            var node = Nodes[n];
            if (node.Master > end) yield break;
            var entries = node.Entries;
            var i = node.Master >= start ? 0 : node.LowerBound(start);
            for (; i < entries.Count; i++)
            {
                var e = entries[i];
                if (e.Id > end) yield break;
                if (e.Fields is not null) yield return e;
            }
        }
    }

    /// <summary>Live entries from <paramref name="end"/> down to <paramref name="start"/>, backwards.</summary>
    public IEnumerable<StreamEntry> RangeReverse(StreamId start, StreamId end)
    {
        if (start > end) yield break;
        for (var n = NodeAtOrBefore(end); n >= 0; n--)
        {
            if (n >= Nodes.Count) continue;
            var node = Nodes[n];
            var entries = node.Entries;
            var i = node.UpperBound(end) - 1;
            for (; i >= 0; i--)
            {
                var e = entries[i];
                if (e.Id < start) yield break;
                if (e.Fields is not null) yield return e;
            }
        }
    }

    public bool TryGet(StreamId id, out StreamEntry entry)
    {
        var n = NodeAtOrBefore(id);
        if (n < Nodes.Count)
        {
            var node = Nodes[n];
            var i = node.LowerBound(id);
            if (i < node.Entries.Count && node.Entries[i].Id == id && node.Entries[i].Fields is not null)
            {
                entry = node.Entries[i];
                return true;
            }
        }
        entry = default;
        return false;
    }

    /// <summary>The last live entry's ID (Redis's streamLastValidID), or null when empty.</summary>
    public StreamId? LastValidId()
    {
        foreach (var e in RangeReverse(StreamId.Zero, StreamId.Max)) return e.Id;
        return null;
    }

    /// <summary>Index of the last node whose master ID is at most <paramref name="id"/> (0 when none).</summary>
    int NodeAtOrBefore(StreamId id)
    {
        int lo = 0, hi = Nodes.Count - 1, found = 0;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Nodes[mid].Master <= id) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    // ------------------------------------------------------------------ writing

    /// <summary>
    /// Appends an entry whose ID the caller checked is above <see cref="LastId"/> (streamAppendItem),
    /// opening a new node when the tail one is full.
    /// </summary>
    public void Append(StreamId id, byte[][] fields)
    {
        var tail = Nodes.Count == 0 ? null : Nodes[^1];
        if (tail is not null)
        {
            long valueBytes = 0;
            foreach (var f in fields) valueBytes += f.Length;
            if (tail.ListpackBytes + valueBytes >= NodeMaxBytes || tail.Entries.Count >= NodeMaxEntries) tail = null;
        }
        if (tail is null)
        {
            var masterFields = new byte[fields.Length / 2][];
            for (var i = 0; i < masterFields.Length; i++) masterFields[i] = fields[2 * i];
            tail = new StreamNode(id, masterFields);
            Nodes.Add(tail);
        }
        tail.Add(new StreamEntry(id, fields));
        Length++;
        EntriesAdded++;
        LastId = id;
        if (Length == 1) FirstId = id;
    }

    /// <summary>Deletes one live entry (XDEL); false when there is none with that ID.</summary>
    public bool Delete(StreamId id)
    {
        var n = NodeAtOrBefore(id);
        if (n >= Nodes.Count) return false;
        var node = Nodes[n];
        var i = node.LowerBound(id);
        if (i >= node.Entries.Count || node.Entries[i].Id != id || node.Entries[i].Fields is null) return false;
        if (node.Live == 1) Nodes.RemoveAt(n); // the last live entry of its node: the node goes
        else node.MarkDeleted(i);
        Length--;
        return true;
    }

    /// <summary>Recomputes <see cref="FirstId"/> after deletions (streamGetEdgeID skipping tombstones).</summary>
    internal void RefreshFirstId()
    {
        FirstId = StreamId.Zero;
        if (Length == 0) return;
        foreach (var e in Entries) { FirstId = e.Id; return; }
    }

    /// <summary>
    /// streamTrim: MAXLEN (<paramref name="minId"/> null) or MINID. Whole nodes go from the head;
    /// approximate trimming stops at the first node it cannot drop whole, exact trimming then marks
    /// entries deleted inside it. <paramref name="limit"/> (0 = none) caps the entries removed.
    /// Returns how many entries were removed.
    /// </summary>
    public long Trim(long maxLen, StreamId? minId, bool approx, long limit)
    {
        long deleted = 0;
        while (Nodes.Count > 0)
        {
            if (minId is null && Length <= maxLen) break;
            var node = Nodes[0];
            long entries = node.Live;
            if (limit != 0 && deleted + entries > limit) break;
            var removeNode = minId is null ? Length - entries >= maxLen : node.Entries[^1].Id < minId.Value;
            if (removeNode)
            {
                Nodes.RemoveAt(0);
                Length -= entries;
                deleted += entries;
                continue;
            }
            if (approx) break;
            for (var i = 0; i < node.Entries.Count; i++)
            {
                var stop = minId is null ? Length <= maxLen : node.Entries[i].Id >= minId.Value;
                if (stop) break;
                if (node.Entries[i].Fields is null) continue;
                node.MarkDeleted(i);
                Length--;
                deleted++;
            }
            break;
        }
        if (Length == 0) FirstId = StreamId.Zero;
        else if (deleted > 0) RefreshFirstId();
        return deleted;
    }

    /// <summary>A deep copy (COPY): through the JSON form, the one complete description of a stream.</summary>
    public StreamValue Clone() => JsonSerializer.Deserialize<StreamValue>(JsonSerializer.SerializeToUtf8Bytes(this))!;

    // ------------------------------------------------------------------ groups

    public StreamGroup? FindGroup(byte[] name) => Groups.GetValueOrDefault(name);

    /// <summary>
    /// streamEstimateDistanceFromFirstEverEntry: the logical read counter of an ID, or
    /// <see cref="StreamGroup.InvalidEntriesRead"/> when it cannot be known.
    /// </summary>
    public long EstimateDistanceFromFirstEverEntry(StreamId id)
    {
        if (EntriesAdded == 0) return 0;
        if (Length == 0 && id <= LastId) return EntriesAdded;
        var cmpLast = id.CompareTo(LastId);
        if (cmpLast == 0) return EntriesAdded;
        if (cmpLast > 0) return StreamGroup.InvalidEntriesRead;
        var cmpFirst = id.CompareTo(FirstId);
        if (MaxDeletedId.IsZero || MaxDeletedId < FirstId)
        {
            if (cmpFirst < 0) return EntriesAdded - Length;
            if (cmpFirst == 0) return EntriesAdded - Length + 1;
        }
        return StreamGroup.InvalidEntriesRead;
    }

    /// <summary>streamRangeHasTombstones: may entries from <paramref name="start"/> on have been deleted?</summary>
    public bool RangeHasTombstones(StreamId start)
    {
        if (Length == 0 || MaxDeletedId.IsZero) return false;
        if (FirstId > MaxDeletedId) return false;
        return start <= MaxDeletedId;
    }

    /// <summary>A group's lag (streamReplyWithCGLag), or null when it cannot be known.</summary>
    public long? Lag(StreamGroup group)
    {
        if (EntriesAdded == 0) return 0;
        if (group.EntriesRead != StreamGroup.InvalidEntriesRead && !RangeHasTombstones(group.LastId))
            return EntriesAdded - group.EntriesRead;
        var read = EstimateDistanceFromFirstEverEntry(group.LastId);
        return read == StreamGroup.InvalidEntriesRead ? null : EntriesAdded - read;
    }
}

/// <summary>
/// One node of a stream (one listpack in Redis): entries in ID order, deleted ones kept as
/// tombstones (null fields), and the listpack size Redis would have, which decides when the next
/// node starts.
/// </summary>
internal sealed class StreamNode(StreamId master, byte[][] masterFields)
{
    public StreamId Master { get; } = master;
    public byte[][] MasterFields { get; } = masterFields;
    public List<StreamEntry> Entries { get; } = [];
    public int Live { get; set; }
    /// <summary>Bytes of the entries as listpack.c encodes them (constant once added: deleting flips a flag).</summary>
    public long EntryBytes { get; set; }

    public int Deleted => Entries.Count - Live;

    /// <summary>lpBytes of the node: header, master entry (count, deleted, fields, terminator), entries, end.</summary>
    public long ListpackBytes
    {
        get
        {
            long bytes = 6 + 1 + Listpack.IntSize(Live) + Listpack.IntSize(Deleted) + Listpack.IntSize(MasterFields.Length) + Listpack.IntSize(0);
            foreach (var f in MasterFields) bytes += Listpack.StringSize(f);
            return bytes + EntryBytes;
        }
    }

    public void Add(StreamEntry entry)
    {
        var fields = entry.Fields;
        var numFields = fields.Length / 2;
        var same = SameFields(fields);
        long bytes = Listpack.IntSize(same ? 2 : 0)
            + Listpack.IntSize(unchecked((long)(entry.Id.Ms - Master.Ms)))
            + Listpack.IntSize(unchecked((long)(entry.Id.Seq - Master.Seq)));
        if (!same) bytes += Listpack.IntSize(numFields);
        for (var i = 0; i < numFields; i++)
        {
            if (!same) bytes += Listpack.StringSize(fields[2 * i]);
            bytes += Listpack.StringSize(fields[2 * i + 1]);
        }
        bytes += Listpack.IntSize(numFields + 3 + (same ? 0 : numFields + 1));
        AddRaw(entry, bytes);
    }

    internal void AddRaw(StreamEntry entry, long bytes)
    {
        Entries.Add(entry);
        if (entry.Fields is not null) Live++;
        EntryBytes += bytes;
    }

    public bool SameFields(byte[][] fields)
    {
        if (fields.Length != 2 * MasterFields.Length) return false;
        for (var i = 0; i < MasterFields.Length; i++)
            if (!fields[2 * i].AsSpan().SequenceEqual(MasterFields[i])) return false;
        return true;
    }

    public void MarkDeleted(int index)
    {
        Entries[index] = Entries[index] with { Fields = null! };
        Live--;
    }

    /// <summary>First index whose ID is at least <paramref name="id"/>.</summary>
    public int LowerBound(StreamId id)
    {
        int lo = 0, hi = Entries.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Entries[mid].Id < id) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>First index whose ID is above <paramref name="id"/>.</summary>
    public int UpperBound(StreamId id)
    {
        int lo = 0, hi = Entries.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Entries[mid].Id <= id) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}

/// <summary>
/// Compact JSON for a stream: <c>{"l":last id,"a":entries added,"d":max deleted id,"f":first id,
/// "n":[nodes],"g":[groups]}</c>. A node is <c>[master ms, master seq, entry bytes, [master fields], entries...]</c>;
/// an entry is <c>[ms delta, seq delta]</c> when deleted, <c>[ms delta, seq delta, values...]</c> when it
/// has its node's master fields (Redis's SAMEFIELDS compression, the common case), else
/// <c>[ms delta, seq delta, 0, field, value, ...]</c>. Strings are written as BytesJsonConverter
/// writes them (never bare numbers, so the 0 marker is unambiguous). A group is
/// <c>[name, last id, entries read, [[consumer, seen time]...], [[id, consumer index, delivery time, count]...]]</c>.
/// </summary>
public sealed class StreamValueJsonConverter : JsonConverter<StreamValue>
{
    static readonly BytesJsonConverter BytesConverter = new();

    public override void Write(Utf8JsonWriter w, StreamValue s, JsonSerializerOptions options)
    {
        w.WriteStartObject();
        w.WriteString("l", s.LastId.ToString());
        w.WriteNumber("a", s.EntriesAdded);
        if (!s.MaxDeletedId.IsZero) w.WriteString("d", s.MaxDeletedId.ToString());
        if (!s.FirstId.IsZero) w.WriteString("f", s.FirstId.ToString());
        w.WriteStartArray("n");
        foreach (var node in s.Nodes)
        {
            w.WriteStartArray();
            w.WriteNumberValue(node.Master.Ms);
            w.WriteNumberValue(node.Master.Seq);
            w.WriteNumberValue(node.EntryBytes);
            w.WriteStartArray();
            foreach (var f in node.MasterFields) BytesConverter.Write(w, f, options);
            w.WriteEndArray();
            foreach (var e in node.Entries)
            {
                w.WriteStartArray();
                w.WriteNumberValue(unchecked((long)(e.Id.Ms - node.Master.Ms)));
                w.WriteNumberValue(unchecked((long)(e.Id.Seq - node.Master.Seq)));
                if (e.Fields is { } fields)
                {
                    var same = node.SameFields(fields);
                    if (!same) w.WriteNumberValue(0);
                    for (var i = same ? 1 : 0; i < fields.Length; i += same ? 2 : 1) BytesConverter.Write(w, fields[i], options);
                }
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        w.WriteEndArray();
        if (s.Groups.Count > 0)
        {
            w.WriteStartArray("g");
            foreach (var g in s.Groups.Values)
            {
                w.WriteStartArray();
                BytesConverter.Write(w, g.Name, options);
                w.WriteStringValue(g.LastId.ToString());
                w.WriteNumberValue(g.EntriesRead);
                var index = new Dictionary<StreamConsumer, int>(ReferenceEqualityComparer.Instance);
                w.WriteStartArray();
                foreach (var c in g.Consumers.Values)
                {
                    index[c] = index.Count;
                    w.WriteStartArray();
                    BytesConverter.Write(w, c.Name, options);
                    w.WriteNumberValue(c.SeenTime);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteStartArray();
                foreach (var p in g.Pending)
                {
                    w.WriteStartArray();
                    w.WriteStringValue(p.Id.ToString());
                    w.WriteNumberValue(p.Consumer is { } c ? index[c] : -1);
                    w.WriteNumberValue(p.DeliveryTime);
                    w.WriteNumberValue(p.DeliveryCount);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    public override StreamValue Read(ref Utf8JsonReader r, Type typeToConvert, JsonSerializerOptions options)
    {
        Expect(ref r, JsonTokenType.StartObject);
        var s = new StreamValue();
        while (Next(ref r) != JsonTokenType.EndObject)
        {
            var name = r.GetString();
            Next(ref r);
            switch (name)
            {
                case "l": s.LastId = ParseId(ref r); break;
                case "a": s.EntriesAdded = r.GetInt64(); break;
                case "d": s.MaxDeletedId = ParseId(ref r); break;
                case "f": s.FirstId = ParseId(ref r); break;
                case "n": ReadNodes(ref r, s, options); break;
                case "g": ReadGroups(ref r, s, options); break;
                default: r.Skip(); break;
            }
        }
        return s;
    }

    static void ReadNodes(ref Utf8JsonReader r, StreamValue s, JsonSerializerOptions options)
    {
        Expect(ref r, JsonTokenType.StartArray);
        while (Next(ref r) != JsonTokenType.EndArray)
        {
            Expect(ref r, JsonTokenType.StartArray);
            Next(ref r);
            var ms = r.GetUInt64();
            Next(ref r);
            var master = new StreamId(ms, r.GetUInt64());
            Next(ref r);
            var entryBytes = r.GetInt64();
            Next(ref r);
            var masterFields = ReadStrings(ref r, options);
            var node = new StreamNode(master, masterFields.ToArray());
            while (Next(ref r) != JsonTokenType.EndArray)
            {
                Expect(ref r, JsonTokenType.StartArray);
                Next(ref r);
                var dms = r.GetInt64();
                Next(ref r);
                var dseq = r.GetInt64();
                var id = new StreamId(unchecked(master.Ms + (ulong)dms), unchecked(master.Seq + (ulong)dseq));
                Next(ref r);
                byte[][]? fields = null;
                if (r.TokenType == JsonTokenType.Number)
                {
                    Next(ref r);
                    var list = new List<byte[]>();
                    for (; r.TokenType != JsonTokenType.EndArray; Next(ref r)) list.Add(BytesConverter.Read(ref r, typeof(byte[]), options));
                    fields = list.ToArray();
                }
                else if (r.TokenType != JsonTokenType.EndArray)
                {
                    fields = new byte[masterFields.Count * 2][];
                    for (var i = 0; i < masterFields.Count; i++, Next(ref r))
                    {
                        fields[2 * i] = masterFields[i];
                        fields[2 * i + 1] = BytesConverter.Read(ref r, typeof(byte[]), options);
                    }
                }
                if (r.TokenType != JsonTokenType.EndArray) throw new JsonException("stream entry: unexpected element");
                if (fields is { Length: 0 } || fields is not null && fields.Length % 2 != 0) throw new JsonException("stream entry: bad fields");
                node.AddRaw(new StreamEntry(id, fields!), 0);
            }
            if (node.Entries.Count == 0 || node.Live == 0) throw new JsonException("stream node without live entries");
            node.EntryBytes = entryBytes;
            s.Nodes.Add(node);
            s.Length += node.Live;
        }
    }

    static void ReadGroups(ref Utf8JsonReader r, StreamValue s, JsonSerializerOptions options)
    {
        Expect(ref r, JsonTokenType.StartArray);
        while (Next(ref r) != JsonTokenType.EndArray)
        {
            Expect(ref r, JsonTokenType.StartArray);
            Next(ref r);
            var group = new StreamGroup(BytesConverter.Read(ref r, typeof(byte[]), options));
            Next(ref r);
            group.LastId = ParseId(ref r);
            Next(ref r);
            group.EntriesRead = r.GetInt64();
            Next(ref r);
            Expect(ref r, JsonTokenType.StartArray);
            var consumers = new List<StreamConsumer>();
            while (Next(ref r) != JsonTokenType.EndArray)
            {
                Expect(ref r, JsonTokenType.StartArray);
                Next(ref r);
                var consumer = new StreamConsumer(BytesConverter.Read(ref r, typeof(byte[]), options));
                Next(ref r);
                consumer.SeenTime = r.GetInt64();
                Next(ref r);
                consumers.Add(consumer);
                group.Consumers[consumer.Name] = consumer;
            }
            Next(ref r);
            Expect(ref r, JsonTokenType.StartArray);
            while (Next(ref r) != JsonTokenType.EndArray)
            {
                Expect(ref r, JsonTokenType.StartArray);
                Next(ref r);
                var pending = new PendingEntry(ParseId(ref r));
                Next(ref r);
                var index = r.GetInt32();
                Next(ref r);
                pending.DeliveryTime = r.GetInt64();
                Next(ref r);
                pending.DeliveryCount = r.GetInt64();
                Next(ref r);
                if ((uint)index >= (uint)consumers.Count) throw new JsonException("pending entry without its consumer");
                pending.Consumer = consumers[index];
                group.Pending.Add(pending);
                pending.Consumer.Pending.Add(pending);
            }
            Next(ref r); // end of the group
            s.Groups[group.Name] = group;
        }
    }

    static List<byte[]> ReadStrings(ref Utf8JsonReader r, JsonSerializerOptions options)
    {
        Expect(ref r, JsonTokenType.StartArray);
        var list = new List<byte[]>();
        while (Next(ref r) != JsonTokenType.EndArray) list.Add(BytesConverter.Read(ref r, typeof(byte[]), options));
        return list;
    }

    static StreamId ParseId(ref Utf8JsonReader r)
    {
        var text = BytesJsonConverter.ReadString(ref r);
        return StreamId.TryParse(text, 0, strict: true, allowSeqStar: false, out var id, out _)
            ? id : throw new JsonException("bad stream ID " + Encoding.UTF8.GetString(text));
    }

    static JsonTokenType Next(ref Utf8JsonReader r) =>
        r.Read() ? r.TokenType : throw new JsonException("unexpected end of a stream's JSON");

    static void Expect(ref Utf8JsonReader r, JsonTokenType type)
    {
        if (r.TokenType != type) throw new JsonException($"stream JSON: expected {type}, found {r.TokenType}");
    }
}
