using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// Stream commands (Redis's t_stream.c): XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XREAD,
/// XREADGROUP, XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO, XSETID. Arguments are checked in
/// Redis's order so the same error wins. Time (auto IDs, delivery and idle times) is ctx.NowMs.
/// BLOCK is parsed and validated here, but the engine never blocks: with nothing to serve it
/// answers nil like a timed-out Redis, and the host waits and retries (DurableStore).
/// </summary>
public static class Streams
{
    const string InvalidId = "ERR Invalid stream ID specified as stream command argument";
    const string InvalidStart = "ERR invalid start ID for the interval";
    const string InvalidEnd = "ERR invalid end ID for the interval";

    /// <summary>Redis's default LIMIT for approximate trimming: 100 nodes of stream-node-max-entries.</summary>
    const long DefaultApproxLimit = 100L * StreamValue.NodeMaxEntries;

    // ------------------------------------------------------------------ parsing

    static StreamId ParseStrictId(byte[] arg, ulong missingSeq = 0) =>
        StreamId.TryParse(arg, missingSeq, strict: true, allowSeqStar: false, out var id, out _) ? id : throw new RedisException(InvalidId);

    static StreamId ParseId(byte[] arg, ulong missingSeq = 0) =>
        StreamId.TryParse(arg, missingSeq, strict: false, allowSeqStar: false, out var id, out _) ? id : throw new RedisException(InvalidId);

    /// <summary>A range bound: an ID, "-", "+", or "(" + ID for an exclusive bound (streamParseIntervalIDOrReply).</summary>
    static StreamId ParseInterval(byte[] arg, ulong missingSeq, out bool exclusive)
    {
        exclusive = arg.Length > 1 && arg[0] == '(';
        return exclusive ? ParseStrictId(arg[1..], missingSeq) : ParseId(arg, missingSeq);
    }

    static StreamId ParseStart(byte[] arg)
    {
        var id = ParseInterval(arg, 0, out var exclusive);
        if (exclusive && !id.TryIncrement(out id)) throw new RedisException(InvalidStart);
        return id;
    }

    static StreamId ParseEnd(byte[] arg)
    {
        var id = ParseInterval(arg, ulong.MaxValue, out var exclusive);
        if (exclusive && !id.TryDecrement(out id)) throw new RedisException(InvalidEnd);
        return id;
    }

    static long ParseLong(byte[] arg, string error = Errors.NotInteger) => Numbers.ParseLong(arg, error);

    static bool Is(byte[] arg, string word)
    {
        if (arg.Length != word.Length) return false;
        for (var i = 0; i < arg.Length; i++)
            if (char.ToLowerInvariant((char)arg[i]) != word[i]) return false;
        return true;
    }

    static string Text(byte[] b) => Encoding.UTF8.GetString(b);

    static StreamValue? Lookup(CommandContext ctx, byte[] key) => ctx.Lookup(key, RedisType.Stream)?.Stream;

    // ------------------------------------------------------------------ replies

    static Reply Id(StreamId id) => Reply.Bulk(id.ToBytes());

    static Reply Entry(StreamEntry e) => Reply.Array([Id(e.Id), Reply.BulkArray(e.Fields)]);

    static Reply Entries(IEnumerable<StreamEntry> entries, long count)
    {
        var list = new List<Reply>();
        foreach (var e in entries)
        {
            list.Add(Entry(e));
            if (count > 0 && list.Count == count) break;
        }
        return Reply.Array(list);
    }

    // ------------------------------------------------------------------ XADD / XTRIM

    sealed class TrimArgs
    {
        public StreamId Id;
        public bool IdGiven, SeqGiven, NoMkStream, Approx, Strategy, ByMinId;
        public long Limit, MaxLen;
        public StreamId MinId;
    }

    /// <summary>streamParseAddOrTrimArgsOrReply: options from args[2]; for XADD, returns the ID's position.</summary>
    static int ParseAddOrTrim(byte[][] args, TrimArgs t, bool xadd)
    {
        var i = 2;
        var limitGiven = false;
        for (; i < args.Length; i++)
        {
            var more = args.Length - 1 - i;
            var opt = args[i];
            if (xadd && opt is [(byte)'*']) break;
            if ((Is(opt, "maxlen") || Is(opt, "minid")) && more > 0)
            {
                if (t.Strategy) throw new RedisException("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                var minid = Is(opt, "minid");
                t.Approx = false;
                var next = args[i + 1];
                if (more >= 2 && next is [(byte)'~']) { t.Approx = true; i++; }
                else if (more >= 2 && next is [(byte)'=']) i++;
                if (minid)
                {
                    t.MinId = ParseStrictId(args[i + 1]);
                }
                else
                {
                    t.MaxLen = ParseLong(args[i + 1]);
                    if (t.MaxLen < 0) throw new RedisException("ERR The MAXLEN argument must be >= 0.");
                }
                i++;
                t.Strategy = true;
                t.ByMinId = minid;
            }
            else if (Is(opt, "limit") && more > 0)
            {
                t.Limit = ParseLong(args[i + 1]);
                if (t.Limit < 0) throw new RedisException("ERR The LIMIT argument must be >= 0.");
                limitGiven = true;
                i++;
            }
            else if (xadd && Is(opt, "nomkstream"))
            {
                t.NoMkStream = true;
            }
            else if (xadd)
            {
                if (!StreamId.TryParse(opt, 0, strict: true, allowSeqStar: true, out t.Id, out t.SeqGiven))
                    throw new RedisException(InvalidId);
                t.IdGiven = true;
                break;
            }
            else
            {
                throw new RedisException(Errors.Syntax);
            }
        }
        if (t.Limit != 0 && !t.Strategy)
            throw new RedisException("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
        if (!xadd && !t.Strategy)
            throw new RedisException("ERR syntax error, XTRIM must be called with a trimming strategy");
        if (limitGiven)
        {
            if (!t.Approx) throw new RedisException("ERR syntax error, LIMIT cannot be used without the special ~ option");
        }
        else
        {
            t.Limit = t.Approx ? DefaultApproxLimit : 0;
        }
        return i;
    }

    static long Trim(StreamValue s, TrimArgs t) =>
        t.Strategy ? s.Trim(t.MaxLen, t.ByMinId ? t.MinId : null, t.Approx, t.Limit) : 0;

    public static Reply XAdd(CommandContext ctx, byte[][] args)
    {
        var t = new TrimArgs();
        var idPos = ParseAddOrTrim(args, t, xadd: true);
        var fieldPos = idPos + 1;
        var n = args.Length - fieldPos;
        if (n < 2 || n % 2 == 1) throw new RedisException(Errors.WrongArity("xadd"));
        if (t.IdGiven && t.SeqGiven && t.Id.IsZero)
            throw new RedisException("ERR The ID specified in XADD must be greater than 0-0");

        var key = args[1];
        var state = ctx.Lookup(key, RedisType.Stream);
        if (state is null && t.NoMkStream) return Reply.Nil;
        var s = state?.Stream ?? new StreamValue();
        if (s.LastId == StreamId.Max)
            throw new RedisException("ERR The stream has exhausted the last possible ID, unable to add more items");

        StreamId id;
        if (!t.IdGiven)
        {
            var ms = (ulong)Math.Max(0, ctx.NowMs);
            if (ms > s.LastId.Ms) id = new StreamId(ms, 0);
            else s.LastId.TryIncrement(out id);
        }
        else if (!t.SeqGiven && s.LastId.Ms == t.Id.Ms)
        {
            // "ms-*" in the last ID's millisecond: the next sequence. Redis answers this odd error
            // when the sequence is exhausted (errno is not EDOM on that path).
            if (s.LastId.Seq == ulong.MaxValue) throw new RedisException("ERR Elements are too large to be stored");
            id = new StreamId(t.Id.Ms, s.LastId.Seq + 1);
        }
        else
        {
            id = t.Id;
        }
        if (id <= s.LastId)
            throw new RedisException("ERR The ID specified in XADD is equal or smaller than the target stream top item");

        var fields = args[fieldPos..];
        s.Append(id, fields);
        state ??= new KeyState { Stream = s };
        ctx.Notify('t', "xadd", key);
        if (Trim(s, t) > 0) ctx.Notify('t', "xtrim", key);
        ctx.Modified(key, state);
        return Id(id);
    }

    public static Reply XTrim(CommandContext ctx, byte[][] args)
    {
        var t = new TrimArgs();
        ParseAddOrTrim(args, t, xadd: false);
        var state = ctx.Lookup(args[1], RedisType.Stream);
        if (state is null) return Reply.Zero;
        var deleted = Trim(state.Stream!, t);
        if (deleted > 0)
        {
            ctx.Notify('t', "xtrim", args[1]);
            ctx.Modified(args[1], state);
        }
        return Reply.Integer(deleted);
    }

    // ------------------------------------------------------------------ reading

    public static Reply XLen(CommandContext ctx, byte[][] args) => Reply.Integer(Lookup(ctx, args[1])?.Length ?? 0);

    public static Reply XRange(CommandContext ctx, byte[][] args) => RangeCommand(ctx, args, reverse: false);

    public static Reply XRevRange(CommandContext ctx, byte[][] args) => RangeCommand(ctx, args, reverse: true);

    static Reply RangeCommand(CommandContext ctx, byte[][] args, bool reverse)
    {
        var start = ParseStart(reverse ? args[3] : args[2]);
        var end = ParseEnd(reverse ? args[2] : args[3]);
        long count = -1;
        for (var j = 4; j < args.Length; j++)
        {
            if (Is(args[j], "count") && args.Length - j - 1 >= 1)
            {
                count = Math.Max(0, ParseLong(args[++j]));
            }
            else
            {
                throw new RedisException(Errors.Syntax);
            }
        }
        var s = Lookup(ctx, args[1]);
        if (s is null) return Reply.EmptyArray;
        if (count == 0) return Reply.NilArray;
        return Entries(reverse ? s.RangeReverse(start, end) : s.Range(start, end), Math.Max(count, 0));
    }

    /// <summary>The keys of XREAD/XREADGROUP: the first half of what follows STREAMS (Redis's xreadGetKeys).</summary>
    public static IReadOnlyList<int> ReadKeys(byte[][] args)
    {
        for (var i = 1; i < args.Length; i++)
        {
            if (Is(args[i], "block") || Is(args[i], "count")) i++;
            else if (Is(args[i], "group")) i += 2;
            else if (Is(args[i], "noack")) { }
            else if (Is(args[i], "streams"))
            {
                var rest = args.Length - i - 1;
                if (rest == 0 || rest % 2 != 0) return [];
                var keys = new int[rest / 2];
                for (var k = 0; k < keys.Length; k++) keys[k] = i + 1 + k;
                return keys;
            }
        }
        return [];
    }

    /// <summary>What XREAD/XREADGROUP asked for, parsed (<see cref="ParseRead"/>).</summary>
    public sealed class ReadRequest
    {
        /// <summary>BLOCK in milliseconds, or -1 without BLOCK (0 = wait without limit).</summary>
        public long Block = -1;
        public long Count;
        public bool NoAck;
        public byte[]? Group, Consumer;
        public int StreamsAt;
        public int StreamCount;
    }

    /// <summary>Parses XREAD/XREADGROUP options up to STREAMS (the first loop of xreadCommand).</summary>
    public static ReadRequest ParseRead(byte[][] args)
    {
        var r = new ReadRequest();
        var xreadgroup = args[0].Length == 10;
        for (var i = 1; i < args.Length; i++)
        {
            var more = args.Length - i - 1;
            var o = args[i];
            if (Is(o, "block") && more > 0)
            {
                i++;
                r.Block = ParseLong(args[i], "ERR timeout is not an integer or out of range");
                if (r.Block < 0) throw new RedisException("ERR timeout is negative");
            }
            else if (Is(o, "count") && more > 0)
            {
                i++;
                r.Count = Math.Max(0, ParseLong(args[i]));
            }
            else if (Is(o, "streams") && more > 0)
            {
                r.StreamsAt = i + 1;
                var n = args.Length - r.StreamsAt;
                if (n % 2 != 0)
                    throw new RedisException("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
                r.StreamCount = n / 2;
                break;
            }
            else if (Is(o, "group") && more >= 2)
            {
                if (!xreadgroup) throw new RedisException("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                r.Group = args[i + 1];
                r.Consumer = args[i + 2];
                i += 2;
            }
            else if (Is(o, "noack"))
            {
                if (!xreadgroup) throw new RedisException("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                r.NoAck = true;
            }
            else
            {
                throw new RedisException(Errors.Syntax);
            }
        }
        if (r.StreamsAt == 0) throw new RedisException(Errors.Syntax);
        if (xreadgroup && r.Group is null) throw new RedisException("ERR Missing GROUP option for XREADGROUP");
        return r;
    }

    public static Reply XRead(CommandContext ctx, byte[][] args) => ReadCommand(ctx, args);

    public static Reply XReadGroup(CommandContext ctx, byte[][] args) => ReadCommand(ctx, args);

    /// <summary>xreadCommand without blocking: serves what it can now, else nil (as a timed-out BLOCK).</summary>
    static Reply ReadCommand(CommandContext ctx, byte[][] args)
    {
        var r = ParseRead(args);
        var xreadgroup = r.Group is not null;
        var n = r.StreamCount;
        var ids = new StreamId[n];
        var groups = new StreamGroup?[n];
        var states = new KeyState?[n];
        var newOnly = new bool[n]; // ">"
        for (var k = 0; k < n; k++)
        {
            var key = args[r.StreamsAt + k];
            var idArg = args[r.StreamsAt + n + k];
            var state = states[k] = ctx.Lookup(key, RedisType.Stream);
            if (xreadgroup)
            {
                groups[k] = state?.Stream!.FindGroup(r.Group!)
                    ?? throw new RedisException($"NOGROUP No such key '{Text(key)}' or consumer group '{Text(r.Group!)}' in XREADGROUP with GROUP option");
            }
            if (idArg is [(byte)'$'])
            {
                if (xreadgroup)
                    throw new RedisException("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.");
                ids[k] = state?.Stream!.LastId ?? StreamId.Zero;
                continue;
            }
            if (idArg is [(byte)'>'])
            {
                if (!xreadgroup)
                    throw new RedisException("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
                newOnly[k] = true;
                ids[k] = StreamId.Max;
                continue;
            }
            ids[k] = ParseStrictId(idArg);
        }

        var replies = new List<Reply>();
        for (var k = 0; k < n; k++)
        {
            var state = states[k];
            if (state is null) continue;
            var s = state.Stream!;
            var gt = ids[k];
            var serve = false;
            var history = false;
            if (xreadgroup)
            {
                if (!newOnly[k])
                {
                    serve = history = true;
                }
                else if (s.Length > 0 && s.LastValidId() > groups[k]!.LastId)
                {
                    serve = true;
                    gt = groups[k]!.LastId;
                }
            }
            else if (s.Length > 0 && s.LastValidId() > gt)
            {
                serve = true;
            }
            if (!serve) continue;

            gt.TryIncrement(out var start);
            var key = args[r.StreamsAt + k];
            Reply entries;
            if (xreadgroup)
            {
                var group = groups[k]!;
                var consumer = FindConsumer(ctx, group, r.Consumer!, key, refresh: true);
                entries = history
                    ? ServeHistory(ctx, s, consumer, start, r.Count)
                    : ServeNew(ctx, s, group, consumer, start, r.Count, r.NoAck);
                ctx.Modified(key, state);
            }
            else
            {
                entries = Entries(s.Range(start, StreamId.Max), r.Count);
            }
            replies.Add(Reply.Array([Reply.Bulk(key), entries]));
        }
        return replies.Count > 0 ? Reply.Array(replies) : Reply.NilArray;
    }

    /// <summary>New entries for a group's consumer (streamReplyWithRange with a group): moves the group's last ID and fills the PEL.</summary>
    static Reply ServeNew(CommandContext ctx, StreamValue s, StreamGroup group, StreamConsumer consumer, StreamId start, long count, bool noAck)
    {
        var list = new List<Reply>();
        // Materialized first: the PEL changes below, the entries do not.
        var served = new List<StreamEntry>();
        foreach (var e in s.Range(start, StreamId.Max))
        {
            served.Add(e);
            if (count > 0 && served.Count == count) break;
        }
        foreach (var e in served)
        {
            if (e.Id > group.LastId)
            {
                if (group.EntriesRead != StreamGroup.InvalidEntriesRead && !s.RangeHasTombstones(e.Id)) group.EntriesRead++;
                else if (s.EntriesAdded != 0) group.EntriesRead = s.EstimateDistanceFromFirstEverEntry(e.Id);
                group.LastId = e.Id;
            }
            list.Add(Entry(e));
            if (noAck) continue;
            var nack = group.FindPending(e.Id);
            if (nack is null)
            {
                nack = new PendingEntry(e.Id) { DeliveryTime = ctx.NowMs, DeliveryCount = 1, Consumer = consumer };
                group.Pending.Add(nack);
                consumer.Pending.Add(nack);
            }
            else
            {
                // Already pending (the group's ID was set back): it moves to this consumer, as a first delivery.
                nack.Consumer?.Pending.Remove(nack);
                nack.Consumer = consumer;
                nack.DeliveryTime = ctx.NowMs;
                nack.DeliveryCount = 1;
                consumer.Pending.Add(nack);
            }
        }
        return Reply.Array(list);
    }

    /// <summary>A consumer's own pending entries from <paramref name="start"/> (streamReplyWithRangeFromConsumerPEL).</summary>
    static Reply ServeHistory(CommandContext ctx, StreamValue s, StreamConsumer consumer, StreamId start, long count)
    {
        var list = new List<Reply>();
        foreach (var nack in StreamGroup.Range(consumer.Pending, start, StreamId.Max))
        {
            if (count > 0 && list.Count >= count) break;
            if (s.TryGet(nack.Id, out var e))
            {
                list.Add(Entry(e));
                nack.DeliveryTime = ctx.NowMs;
                nack.DeliveryCount++;
            }
            else
            {
                // Pending but deleted from the stream since: Redis answers the ID with a nil entry.
                list.Add(Reply.Array([Id(nack.Id), Reply.NilArray]));
            }
        }
        return Reply.Array(list);
    }

    /// <summary>streamLookupConsumer (refreshing its seen time), creating it when missing (streamCreateConsumer).</summary>
    static StreamConsumer FindConsumer(CommandContext ctx, StreamGroup group, byte[] name, byte[] key, bool refresh)
    {
        if (group.Consumers.TryGetValue(name, out var consumer))
        {
            if (refresh) consumer.SeenTime = ctx.NowMs;
            return consumer;
        }
        consumer = new StreamConsumer(name) { SeenTime = ctx.NowMs };
        group.Consumers[name] = consumer;
        ctx.Notify('t', "xgroup-createconsumer", key);
        return consumer;
    }

    // ------------------------------------------------------------------ XDEL

    public static Reply XDel(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.Stream);
        if (state is null) return Reply.Zero;
        var s = state.Stream!;
        var ids = new StreamId[args.Length - 2];
        for (var j = 2; j < args.Length; j++) ids[j - 2] = ParseStrictId(args[j]);
        var deletes = new EntryDeletes(s);
        var deleted = ids.Count(deletes.Delete);
        deletes.Finish(ctx, args[1], state);
        return Reply.Integer(deleted);
    }

    /// <summary>
    /// XDEL's bookkeeping over a run of deletions: the max deleted ID as each entry goes, the
    /// first ID refreshed once at the end, the event and the new state stored when any went.
    /// </summary>
    sealed class EntryDeletes(StreamValue s)
    {
        int deleted;
        bool firstEntry;

        public bool Delete(StreamId id)
        {
            if (!s.Delete(id)) return false;
            if (id == s.FirstId) firstEntry = true;
            if (id > s.MaxDeletedId) s.MaxDeletedId = id;
            deleted++;
            return true;
        }

        /// <summary>Stores the state when an entry went (true), or leaves it to the caller (false).</summary>
        public bool Finish(CommandContext ctx, byte[] key, KeyState state)
        {
            if (deleted == 0) return false;
            if (s.Length == 0) s.FirstId = StreamId.Zero;
            else if (firstEntry) s.RefreshFirstId();
            ctx.Notify('t', "xdel", key);
            ctx.Modified(key, state);
            return true;
        }
    }

    // ------------------------------------------------------------------ XDELEX / XACKDEL (Redis 8.2)

    /// <summary>What XDELEX and XACKDEL do with the deleted entries' references in the groups' PELs.</summary>
    enum References { KeepRef, DelRef, Acked }

    /// <summary>
    /// The options after the key (and XACKDEL's group): at most one of KEEPREF (the default),
    /// DELREF, ACKED, and IDS numids id..., parsed as Redis 8.2 parses them (no oracle that recent
    /// runs here: redis.io's pages and Redis's own tests are the reference).
    /// </summary>
    static (References, StreamId[]) ParseDeleteOptions(byte[][] args, int from)
    {
        References? references = null;
        StreamId[]? ids = null;
        for (var i = from; i < args.Length;)
        {
            var option = Text(args[i]).ToLowerInvariant();
            if (references is null && option is "keepref" or "delref" or "acked")
            {
                references = option switch { "keepref" => References.KeepRef, "delref" => References.DelRef, _ => References.Acked };
                i++;
            }
            else if (option == "ids" && i + 1 < args.Length)
            {
                if (!Numbers.TryParseLong(args[i + 1], out var count) || count < 1) throw new RedisException("ERR Number of IDs must be a positive integer");
                if (count > args.Length - i - 2) throw new RedisException("ERR The `numids` parameter must match the number of arguments");
                ids = args[(i + 2)..(i + 2 + (int)count)].Select(a => ParseStrictId(a)).ToArray();
                i += 2 + (int)count;
            }
            else throw new RedisException(Errors.Syntax);
        }
        return (references ?? References.KeepRef, ids ?? throw new RedisException(Errors.Syntax));
    }

    /// <summary>Whether a group still needs an entry: it is pending there, or the group has not been served it yet.</summary>
    static bool StillReferenced(StreamValue s, StreamId id) =>
        s.Groups.Values.Any(g => g.FindPending(id) is not null || g.LastId < id);

    /// <summary>Removes an entry from every group's PEL (DELREF).</summary>
    static void DropReferences(StreamValue s, StreamId id)
    {
        foreach (var group in s.Groups.Values)
            if (group.FindPending(id) is { } pending) Forget(group, pending);
    }

    static void Forget(StreamGroup group, PendingEntry pending)
    {
        group.Pending.Remove(pending);
        pending.Consumer?.Pending.Remove(pending);
    }

    /// <summary>
    /// XDELEX key [KEEPREF | DELREF | ACKED] IDS numids id...: per ID -1 (no such entry), 1
    /// (deleted), 2 (kept: ACKED, and a group still needs it).
    /// </summary>
    public static Reply XDelEx(CommandContext ctx, byte[][] args)
    {
        var (references, ids) = ParseDeleteOptions(args, 2);
        var state = ctx.Lookup(args[1], RedisType.Stream);
        var replies = new Reply[ids.Length];
        if (state is null)
        {
            Array.Fill(replies, Reply.Integer(-1));
            return Reply.Array(replies);
        }
        var s = state.Stream!;
        var deletes = new EntryDeletes(s);
        var changed = false;
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            long result;
            if (!s.TryGet(id, out _)) result = -1;
            else if (references == References.Acked && StillReferenced(s, id)) result = 2;
            else
            {
                deletes.Delete(id);
                result = 1;
            }
            if (references == References.DelRef && result != 2)
            {
                var pending = s.Groups.Values.Any(g => g.FindPending(id) is not null);
                DropReferences(s, id);
                changed |= pending;
            }
            replies[i] = Reply.Integer(result);
        }
        if (!deletes.Finish(ctx, args[1], state) && changed) ctx.Modified(args[1], state);
        return Reply.Array(replies);
    }

    /// <summary>
    /// XACKDEL key group [KEEPREF | DELREF | ACKED] IDS numids id...: acknowledges each ID in the
    /// group and deletes its entry; per ID -1 (not pending in the group), 1 (acknowledged and
    /// deleted), 2 (acknowledged, kept: ACKED, and another group still needs it).
    /// </summary>
    public static Reply XAckDel(CommandContext ctx, byte[][] args)
    {
        var (references, ids) = ParseDeleteOptions(args, 3);
        var state = ctx.Lookup(args[1], RedisType.Stream);
        var group = state?.Stream!.FindGroup(args[2]);
        var replies = new Reply[ids.Length];
        if (group is null)
        {
            Array.Fill(replies, Reply.Integer(-1));
            return Reply.Array(replies);
        }
        var s = state!.Stream!;
        var deletes = new EntryDeletes(s);
        var acked = false;
        for (var i = 0; i < ids.Length; i++)
        {
            var id = ids[i];
            if (group.FindPending(id) is not { } pending)
            {
                replies[i] = Reply.Integer(-1);
                continue;
            }
            Forget(group, pending);
            acked = true;
            if (references == References.Acked && StillReferenced(s, id))
            {
                replies[i] = Reply.Integer(2);
                continue;
            }
            deletes.Delete(id);
            if (references == References.DelRef) DropReferences(s, id);
            replies[i] = Reply.One;
        }
        if (!deletes.Finish(ctx, args[1], state) && acked) ctx.Modified(args[1], state);
        return Reply.Array(replies);
    }

    // ------------------------------------------------------------------ XGROUP

    /// <summary>The subcommand the engine's dispatcher already found and checked (unknown names and arities never get here).</summary>
    static string Subcommand(byte[][] args) => Encoding.ASCII.GetString(args[1]).ToLowerInvariant();

    static readonly string[] XGroupHelp =
    [
        "CREATE <key> <groupname> <id|$> [option]",
        "    Create a new consumer group. Options are:",
        "    * MKSTREAM",
        "      Create the empty stream if it does not exist.",
        "    * ENTRIESREAD entries_read",
        "      Set the group's entries_read counter (internal use).",
        "CREATECONSUMER <key> <groupname> <consumer>",
        "    Create a new consumer in the specified group.",
        "DELCONSUMER <key> <groupname> <consumer>",
        "    Remove the specified consumer.",
        "DESTROY <key> <groupname>",
        "    Remove the specified group.",
        "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
        "    Set the current group ID and entries_read counter.",
    ];

    static readonly string[] XInfoHelp =
    [
        "CONSUMERS <key> <groupname>",
        "    Show consumers of <groupname>.",
        "GROUPS <key>",
        "    Show the stream consumer groups.",
        "STREAM <key> [FULL [COUNT <count>]",
        "    Show information about the stream.",
    ];

    public static Reply XGroup(CommandContext ctx, byte[][] args)
    {
        var sub = Subcommand(args);
        if (sub == "help") return Reply.Help("XGROUP", XGroupHelp);

        var mkstream = false;
        var entriesRead = StreamGroup.InvalidEntriesRead;
        KeyState? state = null;
        StreamValue? s = null;
        StreamGroup? group = null;
        var key = args[2];
        var groupName = args[3];
        for (var i = 5; i < args.Length;)
        {
            if (sub == "create" && Is(args[i], "mkstream"))
            {
                mkstream = true;
                i++;
            }
            else if (sub is "create" or "setid" && Is(args[i], "entriesread") && i + 1 < args.Length)
            {
                entriesRead = ParseLong(args[i + 1]);
                if (entriesRead < 0 && entriesRead != StreamGroup.InvalidEntriesRead)
                    throw new RedisException("ERR value for ENTRIESREAD must be positive or -1");
                i += 2;
            }
            else
            {
                throw Errors.SubcommandSyntax(args);
            }
        }
        state = ctx.Lookup(key, RedisType.Stream);
        s = state?.Stream;
        if (!mkstream)
        {
            if (s is null)
                throw new RedisException("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.");
            group = s.FindGroup(groupName);
            if (group is null && sub is "setid" or "createconsumer" or "delconsumer")
                throw new RedisException($"NOGROUP No such consumer group '{Text(groupName)}' for key name '{Text(key)}'");
        }

        switch (sub)
        {
            case "create" when args.Length <= 8:
            {
                StreamId id;
                if (args[4] is [(byte)'$']) id = s?.LastId ?? StreamId.Zero;
                else id = ParseStrictId(args[4]);
                if (s?.FindGroup(groupName) is not null) throw new RedisException("BUSYGROUP Consumer Group name already exists");
                if (state is null)
                {
                    s = new StreamValue();
                    state = new KeyState { Stream = s };
                }
                s!.Groups[groupName] = new StreamGroup(groupName) { LastId = id, EntriesRead = entriesRead };
                ctx.Notify('t', "xgroup-create", key);
                ctx.Modified(key, state);
                return Reply.Ok;
            }
            case "setid" when args.Length is 5 or 7:
            {
                var id = args[4] is [(byte)'$'] ? s!.LastId : ParseId(args[4]);
                group!.LastId = id;
                group.EntriesRead = entriesRead;
                ctx.Notify('t', "xgroup-setid", key);
                ctx.Modified(key, state!);
                return Reply.Ok;
            }
            case "destroy":
                if (group is null) return Reply.Zero;
                s!.Groups.Remove(groupName);
                ctx.Notify('t', "xgroup-destroy", key);
                ctx.Modified(key, state!);
                return Reply.One;
            case "createconsumer":
            {
                if (group!.Consumers.ContainsKey(args[4])) return Reply.Zero;
                FindConsumer(ctx, group, args[4], key, refresh: false);
                ctx.Modified(key, state!);
                return Reply.One;
            }
            case "delconsumer":
            {
                if (!group!.Consumers.TryGetValue(args[4], out var consumer)) return Reply.Zero;
                foreach (var nack in consumer.Pending) group.Pending.Remove(nack);
                group.Consumers.Remove(args[4]);
                ctx.Notify('t', "xgroup-delconsumer", key);
                ctx.Modified(key, state!);
                return Reply.Integer(consumer.Pending.Count);
            }
            default:
                throw Errors.SubcommandSyntax(args);
        }
    }

    // ------------------------------------------------------------------ XSETID

    public static Reply XSetId(CommandContext ctx, byte[][] args)
    {
        var id = ParseStrictId(args[2]);
        long entriesAdded = -1;
        var maxDeleted = StreamId.Zero;
        for (var i = 3; i < args.Length;)
        {
            var more = args.Length - 1 - i;
            if (Is(args[i], "entriesadded") && more > 0)
            {
                entriesAdded = ParseLong(args[i + 1]);
                if (entriesAdded < 0) throw new RedisException("ERR entries_added must be positive");
                i += 2;
            }
            else if (Is(args[i], "maxdeletedid") && more > 0)
            {
                maxDeleted = ParseStrictId(args[i + 1]);
                if (id < maxDeleted) throw new RedisException("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
                i += 2;
            }
            else
            {
                throw new RedisException(Errors.Syntax);
            }
        }
        var state = ctx.Lookup(args[1], RedisType.Stream) ?? throw new RedisException(Errors.NoSuchKey);
        var s = state.Stream!;
        if (s.Length > 0)
        {
            if (id < s.LastValidId()!.Value)
                throw new RedisException("ERR The ID specified in XSETID is smaller than the target stream top item");
            if (entriesAdded != -1 && s.Length > entriesAdded)
                throw new RedisException("ERR The entries_added specified in XSETID is smaller than the target stream length");
        }
        s.LastId = id;
        if (entriesAdded != -1) s.EntriesAdded = entriesAdded;
        if (!maxDeleted.IsZero) s.MaxDeletedId = maxDeleted;
        ctx.Notify('t', "xsetid", args[1]);
        ctx.Modified(args[1], state);
        return Reply.Ok;
    }

    // ------------------------------------------------------------------ XACK / XPENDING

    public static Reply XAck(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.Stream);
        var group = state?.Stream!.FindGroup(args[2]);
        if (group is null) return Reply.Zero;
        var ids = new StreamId[args.Length - 3];
        for (var j = 3; j < args.Length; j++) ids[j - 3] = ParseStrictId(args[j]);
        var acked = 0;
        foreach (var id in ids)
        {
            if (group.FindPending(id) is not { } nack) continue;
            Forget(group, nack);
            acked++;
        }
        if (acked > 0) ctx.Modified(args[1], state!);
        return Reply.Integer(acked);
    }

    public static Reply XPending(CommandContext ctx, byte[][] args)
    {
        var argc = args.Length;
        if (argc != 3 && (argc < 6 || argc > 9)) throw new RedisException(Errors.Syntax);
        var summary = argc == 3;
        StreamId start = default, end = default;
        long count = 0, minIdle = 0;
        byte[]? consumerName = null;
        if (argc >= 6)
        {
            var at = 3;
            if (Is(args[3], "idle"))
            {
                minIdle = ParseLong(args[4]);
                if (argc < 8) throw new RedisException(Errors.Syntax);
                at += 2;
            }
            count = Math.Max(0, ParseLong(args[at + 2]));
            start = ParseStart(args[at]);
            end = ParseEnd(args[at + 1]);
            if (at + 3 < argc) consumerName = args[at + 3];
        }

        var s = Lookup(ctx, args[1]);
        var group = s?.FindGroup(args[2])
            ?? throw new RedisException($"NOGROUP No such key '{Text(args[1])}' or consumer group '{Text(args[2])}'");

        if (summary)
        {
            if (group.Pending.Count == 0)
                return Reply.Array([Reply.Zero, Reply.Nil, Reply.Nil, Reply.NilArray]);
            var consumers = new List<Reply>();
            foreach (var c in group.Consumers.Values)
            {
                if (c.Pending.Count == 0) continue;
                consumers.Add(Reply.Array([Reply.Bulk(c.Name), Reply.Bulk(Numbers.ToBytes(c.Pending.Count))]));
            }
            return Reply.Array([Reply.Integer(group.Pending.Count), Id(group.Pending.Min!.Id), Id(group.Pending.Max!.Id), Reply.Array(consumers)]);
        }

        SortedSet<PendingEntry> pel;
        if (consumerName is not null)
        {
            if (!group.Consumers.TryGetValue(consumerName, out var consumer)) return Reply.EmptyArray;
            pel = consumer.Pending;
        }
        else
        {
            pel = group.Pending;
        }
        var list = new List<Reply>();
        var now = ctx.NowMs;
        foreach (var nack in StreamGroup.Range(pel, start, end))
        {
            if (count == 0) break;
            if (minIdle != 0 && now - nack.DeliveryTime < minIdle) continue;
            count--;
            list.Add(Reply.Array(
            [
                Id(nack.Id),
                Reply.Bulk(nack.Consumer!.Name),
                Reply.Integer(Math.Max(0, now - nack.DeliveryTime)),
                Reply.Integer(nack.DeliveryCount),
            ]));
        }
        return Reply.Array(list);
    }

    // ------------------------------------------------------------------ XCLAIM / XAUTOCLAIM

    public static Reply XClaim(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.Stream);
        var group = state?.Stream!.FindGroup(args[2])
            ?? throw new RedisException($"NOGROUP No such key '{Text(args[1])}' or consumer group '{Text(args[2])}'");
        var s = state!.Stream!;
        var minIdle = Math.Max(0, ParseLong(args[4], "ERR Invalid min-idle-time argument for XCLAIM"));

        // IDs until the first argument that is not one; the rest are options (so a bad ID reads
        // as an unknown option, as in Redis).
        var ids = new List<StreamId>();
        var j = 5;
        for (; j < args.Length; j++)
        {
            if (!StreamId.TryParse(args[j], 0, strict: true, allowSeqStar: false, out var id, out _)) break;
            ids.Add(id);
        }
        var now = ctx.NowMs;
        long deliveryTime = -1, retryCount = -1;
        bool force = false, justId = false;
        var lastId = StreamId.Zero;
        for (; j < args.Length; j++)
        {
            var more = args.Length - 1 - j;
            var opt = args[j];
            if (Is(opt, "force")) force = true;
            else if (Is(opt, "justid")) justId = true;
            else if (Is(opt, "idle") && more > 0)
                deliveryTime = now - ParseLong(args[++j], "ERR Invalid IDLE option argument for XCLAIM");
            else if (Is(opt, "time") && more > 0)
                deliveryTime = ParseLong(args[++j], "ERR Invalid TIME option argument for XCLAIM");
            else if (Is(opt, "retrycount") && more > 0)
                retryCount = ParseLong(args[++j], "ERR Invalid RETRYCOUNT option argument for XCLAIM");
            else if (Is(opt, "lastid") && more > 0)
                lastId = ParseStrictId(args[++j]);
            else
                throw new RedisException($"ERR Unrecognized XCLAIM option '{Text(opt)}'");
        }

        var changed = false;
        if (lastId > group.LastId)
        {
            group.LastId = lastId;
            changed = true;
        }
        if (deliveryTime != -1)
        {
            if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
        }
        else
        {
            deliveryTime = now;
        }

        StreamConsumer? consumer = null;
        var list = new List<Reply>();
        foreach (var id in ids)
        {
            var nack = group.FindPending(id);
            if (!s.TryGet(id, out var entry))
            {
                // Deleted from the stream: it leaves the PEL too.
                if (nack is not null)
                {
                    group.Pending.Remove(nack);
                    nack.Consumer?.Pending.Remove(nack);
                    changed = true;
                }
                continue;
            }
            if (force && nack is null)
            {
                nack = new PendingEntry(id) { DeliveryTime = now, DeliveryCount = 1 };
                group.Pending.Add(nack);
            }
            if (nack is null) continue;
            if (nack.Consumer is not null && minIdle != 0 && now - nack.DeliveryTime < minIdle) continue;
            consumer ??= FindConsumer(ctx, group, args[3], args[1], refresh: true);
            if (nack.Consumer != consumer) nack.Consumer?.Pending.Remove(nack);
            nack.DeliveryTime = deliveryTime;
            if (retryCount >= 0) nack.DeliveryCount = retryCount;
            else if (!justId) nack.DeliveryCount++;
            if (nack.Consumer != consumer)
            {
                consumer.Pending.Add(nack);
                nack.Consumer = consumer;
            }
            list.Add(justId ? Id(id) : Entry(entry));
            changed = true;
        }
        if (changed || consumer is not null) ctx.Modified(args[1], state);
        return Reply.Array(list);
    }

    public static Reply XAutoClaim(CommandContext ctx, byte[][] args)
    {
        var minIdle = Math.Max(0, ParseLong(args[4], "ERR Invalid min-idle-time argument for XAUTOCLAIM"));
        var start = ParseStart(args[5]);
        long count = 100;
        var justId = false;
        const long attemptsFactor = 10;
        for (var j = 6; j < args.Length; j++)
        {
            var more = args.Length - 1 - j;
            if (Is(args[j], "count") && more > 0)
            {
                count = ParseLong(args[j + 1], "ERR COUNT must be > 0");
                if (count < 1 || count > long.MaxValue / 16) throw new RedisException("ERR COUNT must be > 0");
                j++;
            }
            else if (Is(args[j], "justid"))
            {
                justId = true;
            }
            else
            {
                throw new RedisException(Errors.Syntax);
            }
        }
        var state = ctx.Lookup(args[1], RedisType.Stream);
        var group = state?.Stream!.FindGroup(args[2])
            ?? throw new RedisException($"NOGROUP No such key '{Text(args[1])}' or consumer group '{Text(args[2])}'");
        var s = state!.Stream!;

        var attempts = count * attemptsFactor;
        // The PEL changes as entries are claimed or dropped: walk a copy of the part we may visit.
        var candidates = new List<PendingEntry>();
        foreach (var nack in StreamGroup.Range(group.Pending, start, StreamId.Max))
        {
            candidates.Add(nack);
            if (candidates.Count > attempts) break;
        }
        var now = ctx.NowMs;
        StreamConsumer? consumer = null;
        var claimed = new List<Reply>();
        var deleted = new List<Reply>();
        var changed = false;
        var k = 0;
        for (; k < candidates.Count && attempts > 0 && count > 0; k++)
        {
            attempts--;
            var nack = candidates[k];
            if (!s.TryGet(nack.Id, out var entry))
            {
                group.Pending.Remove(nack);
                nack.Consumer?.Pending.Remove(nack);
                deleted.Add(Id(nack.Id));
                count--;
                changed = true;
                continue;
            }
            if (minIdle != 0 && now - nack.DeliveryTime < minIdle) continue;
            consumer ??= FindConsumer(ctx, group, args[3], args[1], refresh: true);
            if (nack.Consumer != consumer)
            {
                nack.Consumer?.Pending.Remove(nack);
                consumer.Pending.Add(nack);
                nack.Consumer = consumer;
            }
            nack.DeliveryTime = now;
            if (!justId) nack.DeliveryCount++;
            claimed.Add(justId ? Id(nack.Id) : Entry(entry));
            count--;
            changed = true;
        }
        var next = k < candidates.Count ? candidates[k].Id : StreamId.Zero;
        if (changed || consumer is not null) ctx.Modified(args[1], state);
        return Reply.Array([Id(next), Reply.Array(claimed), Reply.Array(deleted)]);
    }

    // ------------------------------------------------------------------ XINFO

    public static Reply XInfo(CommandContext ctx, byte[][] args)
    {
        var sub = Subcommand(args);
        if (sub == "help") return Reply.Help("XINFO", XInfoHelp);
        var key = args[2];
        var s = Lookup(ctx, key) ?? throw new RedisException(Errors.NoSuchKey);
        switch (sub)
        {
            case "consumers":
            {
                var group = s.FindGroup(args[3])
                    ?? throw new RedisException($"NOGROUP No such consumer group '{Text(args[3])}' for key name '{Text(key)}'");
                var list = new List<Reply>();
                foreach (var c in group.Consumers.Values)
                    list.Add(Reply.Array(
                    [
                        Reply.Bulk("name"), Reply.Bulk(c.Name),
                        Reply.Bulk("pending"), Reply.Integer(c.Pending.Count),
                        Reply.Bulk("idle"), Reply.Integer(Math.Max(0, ctx.NowMs - c.SeenTime)),
                    ]));
                return Reply.Array(list);
            }
            case "groups":
            {
                var list = new List<Reply>();
                foreach (var g in s.Groups.Values)
                    list.Add(Reply.Array(
                    [
                        Reply.Bulk("name"), Reply.Bulk(g.Name),
                        Reply.Bulk("consumers"), Reply.Integer(g.Consumers.Count),
                        Reply.Bulk("pending"), Reply.Integer(g.Pending.Count),
                        Reply.Bulk("last-delivered-id"), Id(g.LastId),
                        Reply.Bulk("entries-read"), EntriesRead(g),
                        Reply.Bulk("lag"), Lag(s, g),
                    ]));
                return Reply.Array(list);
            }
            default:
                return StreamInfo(s, args);
        }
    }

    static Reply EntriesRead(StreamGroup g) => g.EntriesRead != StreamGroup.InvalidEntriesRead ? Reply.Integer(g.EntriesRead) : Reply.Nil;

    static Reply Lag(StreamValue s, StreamGroup g) => s.Lag(g) is { } lag ? Reply.Integer(lag) : Reply.Nil;

    static Reply StreamInfo(StreamValue s, byte[][] args)
    {
        var full = args.Length > 3;
        long count = 10;
        if (full)
        {
            var optc = args.Length - 3;
            if (optc != 1 && optc != 3) throw Errors.SubcommandSyntax(args);
            if (!Is(args[3], "full")) throw Errors.SubcommandSyntax(args);
            if (optc == 3)
            {
                if (!Is(args[4], "count")) throw Errors.SubcommandSyntax(args);
                count = ParseLong(args[5]);
                if (count < 0) count = 10;
            }
        }
        var reply = new List<Reply>
        {
            Reply.Bulk("length"), Reply.Integer(s.Length),
            Reply.Bulk("radix-tree-keys"), Reply.Integer(s.NodeCount),
            Reply.Bulk("radix-tree-nodes"), Reply.Integer(RadixTreeNodes(s)),
            Reply.Bulk("last-generated-id"), Id(s.LastId),
            Reply.Bulk("max-deleted-entry-id"), Id(s.MaxDeletedId),
            Reply.Bulk("entries-added"), Reply.Integer(s.EntriesAdded),
            Reply.Bulk("recorded-first-entry-id"), Id(s.FirstId),
        };
        if (!full)
        {
            reply.Add(Reply.Bulk("groups"));
            reply.Add(Reply.Integer(s.Groups.Count));
            reply.Add(Reply.Bulk("first-entry"));
            reply.Add(s.Range(StreamId.Zero, StreamId.Max).Select(Entry).FirstOrDefault() ?? Reply.Nil);
            reply.Add(Reply.Bulk("last-entry"));
            reply.Add(s.RangeReverse(StreamId.Zero, StreamId.Max).Select(Entry).FirstOrDefault() ?? Reply.Nil);
            return Reply.Array(reply);
        }
        reply.Add(Reply.Bulk("entries"));
        reply.Add(Entries(s.Entries, count));
        reply.Add(Reply.Bulk("groups"));
        var groups = new List<Reply>();
        foreach (var g in s.Groups.Values)
        {
            var pending = new List<Reply>();
            foreach (var nack in g.Pending)
            {
                if (count != 0 && pending.Count >= count) break;
                pending.Add(Reply.Array([Id(nack.Id), Reply.Bulk(nack.Consumer!.Name), Reply.Integer(nack.DeliveryTime), Reply.Integer(nack.DeliveryCount)]));
            }
            var consumers = new List<Reply>();
            foreach (var c in g.Consumers.Values)
            {
                var cp = new List<Reply>();
                foreach (var nack in c.Pending)
                {
                    if (count != 0 && cp.Count >= count) break;
                    cp.Add(Reply.Array([Id(nack.Id), Reply.Integer(nack.DeliveryTime), Reply.Integer(nack.DeliveryCount)]));
                }
                consumers.Add(Reply.Array(
                [
                    Reply.Bulk("name"), Reply.Bulk(c.Name),
                    Reply.Bulk("seen-time"), Reply.Integer(c.SeenTime),
                    Reply.Bulk("pel-count"), Reply.Integer(c.Pending.Count),
                    Reply.Bulk("pending"), Reply.Array(cp),
                ]));
            }
            groups.Add(Reply.Array(
            [
                Reply.Bulk("name"), Reply.Bulk(g.Name),
                Reply.Bulk("last-delivered-id"), Id(g.LastId),
                Reply.Bulk("entries-read"), EntriesRead(g),
                Reply.Bulk("lag"), Lag(s, g),
                Reply.Bulk("pel-count"), Reply.Integer(g.Pending.Count),
                Reply.Bulk("pending"), Reply.Array(pending),
                Reply.Bulk("consumers"), Reply.Array(consumers),
            ]));
        }
        reply.Add(Reply.Array(groups));
        return Reply.Array(reply);
    }

    /// <summary>
    /// Redis's radix-tree-nodes counts the nodes of its rax of 128-bit node keys: an internal detail
    /// we do not model. This is the node count of a compressed trie over the node keys (Redis's
    /// rax makes the same shape for typical keys, e.g. 2 for one node), so the number grows the way
    /// Redis's does; it is not compared with redis-server's in the tests.
    /// </summary>
    static long RadixTreeNodes(StreamValue s)
    {
        var n = s.NodeCount;
        return n == 0 ? 1 : 2 * n;
    }
}
