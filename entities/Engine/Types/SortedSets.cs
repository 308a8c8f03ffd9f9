using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using static Serverless.Store.Types.SkipList;

namespace Serverless.Store.Types;

/// <summary>
/// The value of a sorted set key, shaped like Redis's zset (t_zset.c): a dictionary from member
/// to score for O(1) ZSCORE and membership, plus a skiplist ordered by (score, member) for
/// ranks and ranges. Both always hold the same members. It also remembers Redis's encoding
/// (listpack, or skiplist once a member was added past zset-max-listpack-entries/-value, for good),
/// because ZSCAN, lex searches over mixed scores, -0 scores and OBJECT ENCODING follow it.
/// </summary>
[JsonConverter(typeof(SortedSetValueJsonConverter))]
public sealed class SortedSetValue
{
    readonly Dictionary<byte[], double> scores = new(Bytes.Comparer);
    internal readonly SkipList List = new();

    bool skiplist;

    public SortedSetValue() { }

    /// <summary>An empty set in the given encoding (Redis creates *STORE results as skiplists).</summary>
    internal SortedSetValue(bool skiplist) => this.skiplist = skiplist;

    public int Count => scores.Count;

    /// <summary>Whether Redis 7.0 holds this set as a listpack (ZSCAN then answers it in one call).</summary>
    internal bool IsSmall => !skiplist;

    public bool TryGetScore(byte[] member, out double score) => scores.TryGetValue(member, out score);

    public bool Contains(byte[] member) => scores.ContainsKey(member);

    /// <summary>Members with their scores in (score, member) order.</summary>
    public IEnumerable<(byte[] Member, double Score)> Entries
    {
        get
        {
            for (var n = List.First; n is not null; n = n.Next) yield return (n.Member, n.Score);
        }
    }

    /// <summary>
    /// Adds a member or moves it to a new score, as zsetAdd does: a new member that would pass
    /// <paramref name="limits"/> converts a listpack to a skiplist first; in a listpack a -0 score
    /// is stored as 0 (Redis stores integral scores there as integers), a skiplist keeps -0.
    /// Commands pass the context's limits; the default is Redis's.
    /// </summary>
    public void Set(byte[] member, double score, EncodingLimits? limits = null)
    {
        limits ??= EncodingLimits.Default;
        if (double.IsNaN(score)) throw new ArgumentException("a sorted set score cannot be NaN", nameof(score));
        ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(scores, member, out var exists);
        if (!exists && !skiplist && (scores.Count > limits.ZSetMaxListpackEntries || member.Length > limits.ZSetMaxListpackValue))
            skiplist = true; // the new member is already counted
        if (score == 0 && !skiplist) score = 0.0;
        if (exists)
        {
            if (slot != score) List.UpdateScore(slot, member, score);
        }
        else
        {
            List.Insert(score, member);
        }
        slot = score;
    }

    /// <summary>Adds a member known to be new, as it is (a *STORE result or a loaded set, before <see cref="ConvertToListpackIfNeeded"/>).</summary>
    internal void AddNew(byte[] member, double score)
    {
        if (double.IsNaN(score)) throw new ArgumentException("a sorted set score cannot be NaN", nameof(score));
        scores.Add(member, score);
        List.Insert(score, member);
    }

    /// <summary>
    /// zsetConvertToListpackIfNeeded (*STORE results, RDB loads): a skiplist within
    /// <paramref name="limits"/> becomes a listpack, where -0 scores become 0.
    /// </summary>
    internal void ConvertToListpackIfNeeded(EncodingLimits limits)
    {
        if (!skiplist || !WithinLimits(limits)) return;
        skiplist = false;
        for (var n = List.First; n is not null; n = n.Next)
        {
            if (n.Score != 0 || !double.IsNegative(n.Score)) continue;
            n.Score = 0.0;
            scores[n.Member] = 0.0;
        }
    }

    /// <summary>SORT converts a listpack to a skiplist before reading it, for good (sort.c).</summary>
    internal void ConvertToSkiplist() => skiplist = true;

    /// <summary>Whether every member fits a listpack under <paramref name="limits"/>.</summary>
    internal bool WithinLimits(EncodingLimits limits)
    {
        if (scores.Count > limits.ZSetMaxListpackEntries) return false;
        foreach (var member in scores.Keys)
            if (member.Length > limits.ZSetMaxListpackValue) return false;
        return true;
    }

    /// <summary>Sets the encoding the JSON reader found recorded.</summary>
    internal void ForceEncoding(bool asSkiplist) => skiplist = asSkiplist;

    public bool Remove(byte[] member)
    {
        if (!scores.Remove(member, out var score)) return false;
        List.Delete(score, member);
        return true;
    }

    /// <summary>Drops a node the skiplist has already unlinked from the dictionary.</summary>
    internal void Forget(Node node) => scores.Remove(node.Member);

    /// <summary>Adds in (score, member) order in O(1) each (JSON reads, clones).</summary>
    internal sealed class Builder(SortedSetValue value)
    {
        readonly Node[] lastAt = new Node[MaxLevel];
        readonly int[] rankAt = new int[MaxLevel];
        bool started, ordered = true;

        public void Add(byte[] member, double score)
        {
            if (double.IsNaN(score)) throw new JsonException("a sorted set score cannot be NaN");
            if (!started)
            {
                value.List.ResetAppend(lastAt, rankAt);
                started = true;
            }
            if (value.scores.ContainsKey(member))
            {
                // Duplicates cannot come from us; keep the last one, as ZADD would.
                value.Set(member, score, EncodingLimits.Default);
                ordered = false;
                return;
            }
            if (!ordered || !value.List.AppendInOrder(score, member, lastAt, rankAt))
            {
                ordered = false;
                value.List.Insert(score, member);
            }
            value.scores.Add(member, score);
        }
    }

    public SortedSetValue Clone()
    {
        var copy = new SortedSetValue(skiplist); // COPY keeps the encoding in Redis too
        var b = new Builder(copy);
        for (var n = List.First; n is not null; n = n.Next) b.Add(n.Member, n.Score);
        return copy;
    }
}

/// <summary>
/// Compact JSON for a sorted set: one flat array [member, score, member, score, ...] in
/// (score, member) order, so reading it rebuilds the skiplist in O(n). Members are written as
/// <see cref="BytesJsonConverter"/> writes them; infinite scores as the strings "inf"/"-inf". A
/// leading boolean records an encoding its members would not get under Redis's default limits
/// (true: a skiplist that shrank or that SORT read; false: a listpack kept under raised limits).
/// </summary>
public sealed class SortedSetValueJsonConverter : JsonConverter<SortedSetValue>
{
    static readonly BytesJsonConverter Member = new();

    public override SortedSetValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected [member, score, ...]");
        var value = new SortedSetValue();
        var builder = new SortedSetValue.Builder(value);
        bool? recorded = null;
        reader.Read();
        if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
        {
            recorded = reader.TokenType == JsonTokenType.True;
            reader.Read();
        }
        while (true)
        {
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                value.ForceEncoding(recorded ?? !value.WithinLimits(EncodingLimits.Default));
                return value;
            }
            var member = Member.Read(ref reader, typeof(byte[]), options);
            reader.Read();
            double score = reader.TokenType switch
            {
                JsonTokenType.Number => reader.GetDouble(),
                JsonTokenType.String when reader.ValueTextEquals("inf") => double.PositiveInfinity,
                JsonTokenType.String when reader.ValueTextEquals("-inf") => double.NegativeInfinity,
                _ => throw new JsonException("expected a score"),
            };
            builder.Add(member, score);
            reader.Read();
        }
    }

    public override void Write(Utf8JsonWriter writer, SortedSetValue value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        if (value.IsSmall != value.WithinLimits(EncodingLimits.Default)) writer.WriteBooleanValue(!value.IsSmall);
        for (var n = value.List.First; n is not null; n = n.Next)
        {
            Member.Write(writer, n.Member, options);
            if (double.IsPositiveInfinity(n.Score)) writer.WriteStringValue("inf");
            else if (double.IsNegativeInfinity(n.Score)) writer.WriteStringValue("-inf");
            else writer.WriteNumberValue(n.Score);
        }
        writer.WriteEndArray();
    }
}

/// <summary>A ZRANGEBYSCORE interval: min/max with "(" making an end exclusive.</summary>
internal readonly struct ScoreRange(double min, bool minEx, double max, bool maxEx)
{
    public bool GteMin(double v) => minEx ? v > min : v >= min;
    public bool LteMax(double v) => maxEx ? v < max : v <= max;
    public bool IsEmpty => min > max || (min == max && (minEx || maxEx));
}

/// <summary>A ZRANGEBYLEX end: "[a" / "(a", or "-" / "+" (Infinity -1 / +1), which are exclusive.</summary>
internal readonly struct LexBound(byte[] value, bool exclusive, int infinity)
{
    public readonly byte[] Value = value;
    public readonly bool Exclusive = exclusive;
    public readonly int Infinity = infinity;

    /// <summary>sdscmplex: a member against this bound.</summary>
    public int CompareMember(byte[] member) =>
        Infinity < 0 ? 1 : Infinity > 0 ? -1 : member.AsSpan().SequenceCompareTo(Value);
}

internal readonly struct LexRange(LexBound min, LexBound max)
{
    public bool GteMin(byte[] m) => min.Exclusive ? min.CompareMember(m) > 0 : min.CompareMember(m) >= 0;
    public bool LteMax(byte[] m) => max.Exclusive ? max.CompareMember(m) < 0 : max.CompareMember(m) <= 0;

    public bool IsEmpty
    {
        get
        {
            int cmp;
            if (min.Infinity != 0 && min.Infinity == max.Infinity) cmp = 0;
            else if (min.Infinity < 0 || max.Infinity > 0) cmp = -1;
            else if (min.Infinity > 0 || max.Infinity < 0) cmp = 1;
            else cmp = min.Value.AsSpan().SequenceCompareTo(max.Value);
            return cmp > 0 || (cmp == 0 && (min.Exclusive || max.Exclusive));
        }
    }
}

/// <summary>
/// The sorted set commands (t_zset.c), Redis 7.0-exact in replies, errors and the order in
/// which arguments are checked. Every check runs before the first change.
/// </summary>
public static class SortedSets
{
    const string XxNx = "ERR XX and NX options at the same time are not compatible";
    const string GtLtNx = "ERR GT, LT, and/or NX options at the same time are not compatible";
    const string IncrSingle = "ERR INCR option supports a single increment-element pair";
    const string NanScore = "ERR resulting score is not a number (NaN)";
    const string LimitNeedsBy = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
    const string WithScoresByLex = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
    const string WeightNotFloat = "ERR weight value is not a float";
    const string OutOfRange = "ERR value is out of range";

    // ------------------------------------------------------------------ ranges as skiplist tests

    readonly struct BelowMin(ScoreRange r) : IBefore
    {
        public bool Before(Node n) => !r.GteMin(n.Score);
    }

    readonly struct AtMostMax(ScoreRange r) : IBefore
    {
        public bool Before(Node n) => r.LteMax(n.Score);
    }

    readonly struct BelowLexMin(LexRange r) : IBefore
    {
        public bool Before(Node n) => !r.GteMin(n.Member);
    }

    readonly struct AtMostLexMax(LexRange r) : IBefore
    {
        public bool Before(Node n) => r.LteMax(n.Member);
    }

    // ------------------------------------------------------------------ argument parsing

    /// <summary>Case-insensitive match of an ASCII option name (given in lower case).</summary>
    static bool Is(byte[] arg, string lower)
    {
        if (arg.Length != lower.Length) return false;
        for (var i = 0; i < arg.Length; i++)
        {
            var c = arg[i];
            if (c is >= (byte)'A' and <= (byte)'Z') c += 32;
            if (c != lower[i]) return false;
        }
        return true;
    }

    static SortedSetValue? Lookup(CommandContext ctx, byte[] key) => ctx.Lookup(key, RedisType.ZSet)?.SortedSet;

    /// <summary>zslParseRange: "(" makes an end exclusive; the rest goes through C's strtod.</summary>
    internal static ScoreRange ParseScoreRange(byte[] min, byte[] max)
    {
        if (!TryParseBound(min, out var lo, out var loEx) || !TryParseBound(max, out var hi, out var hiEx))
            throw new RedisException(Errors.MinMaxNotFloat);
        return new ScoreRange(lo, loEx, hi, hiEx);
    }

    static bool TryParseBound(byte[] arg, out double value, out bool exclusive)
    {
        ReadOnlySpan<byte> s = arg;
        exclusive = s.Length > 0 && s[0] == '(';
        if (exclusive) s = s[1..];
        return Numbers.Strtod(s, out value) && !double.IsNaN(value);
    }

    /// <summary>zslParseLexRange: each end is "[a", "(a", "-" or "+".</summary>
    internal static LexRange ParseLexRange(byte[] min, byte[] max)
    {
        if (!TryParseLexBound(min, out var lo) || !TryParseLexBound(max, out var hi))
            throw new RedisException(Errors.MinMaxNotStringRange);
        return new LexRange(lo, hi);
    }

    static bool TryParseLexBound(byte[] arg, out LexBound bound)
    {
        bound = default;
        if (arg.Length == 0) return false;
        switch (arg[0])
        {
            case (byte)'+':
                if (arg.Length != 1) return false;
                bound = new LexBound([], true, 1);
                return true;
            case (byte)'-':
                if (arg.Length != 1) return false;
                bound = new LexBound([], true, -1);
                return true;
            case (byte)'(':
                bound = new LexBound(arg[1..], true, 0);
                return true;
            case (byte)'[':
                bound = new LexBound(arg[1..], false, 0);
                return true;
            default:
                return false;
        }
    }

    // ------------------------------------------------------------------ ZADD / ZINCRBY

    public static Reply ZAdd(CommandContext ctx, byte[][] args) => AddGeneric(ctx, args, incr: false);

    public static Reply ZIncrBy(CommandContext ctx, byte[][] args) => AddGeneric(ctx, args, incr: true);

    /// <summary>zaddGenericCommand: ZADD and ZINCRBY (which is ZADD INCR).</summary>
    static Reply AddGeneric(CommandContext ctx, byte[][] args, bool incr)
    {
        bool nx = false, xx = false, gt = false, lt = false, ch = false;
        var i = 2;
        for (; i < args.Length; i++)
        {
            var o = args[i];
            if (Is(o, "nx")) nx = true;
            else if (Is(o, "xx")) xx = true;
            else if (Is(o, "ch")) ch = true;
            else if (Is(o, "incr")) incr = true;
            else if (Is(o, "gt")) gt = true;
            else if (Is(o, "lt")) lt = true;
            else break;
        }
        var elements = args.Length - i;
        if (elements % 2 != 0 || elements == 0) throw new RedisException(Errors.Syntax);
        elements /= 2;
        if (nx && xx) throw new RedisException(XxNx);
        if ((gt && nx) || (lt && nx) || (gt && lt)) throw new RedisException(GtLtNx);
        if (incr && elements > 1) throw new RedisException(IncrSingle);

        var scores = new double[elements];
        for (var j = 0; j < elements; j++) scores[j] = Numbers.ParseDouble(args[i + j * 2]);

        var state = ctx.Lookup(args[1], RedisType.ZSet);
        if (state is null)
        {
            if (xx) return incr ? Reply.Nil : Reply.Zero;
            state = new KeyState { SortedSet = new SortedSetValue() };
        }
        var z = state.SortedSet!;

        // With INCR there is one pair and NaN can only come from it: decide before changing anything.
        int added = 0, updated = 0, processed = 0;
        var score = 0.0;
        for (var j = 0; j < elements; j++)
        {
            var member = args[i + j * 2 + 1];
            var newScore = scores[j];
            if (z.TryGetScore(member, out var current))
            {
                if (nx) continue;
                if (incr)
                {
                    newScore += current;
                    if (double.IsNaN(newScore)) throw new RedisException(NanScore);
                }
                if ((lt && newScore >= current) || (gt && newScore <= current)) continue;
                score = newScore;
                processed++;
                if (newScore != current)
                {
                    z.Set(member, newScore, ctx.Limits);
                    updated++;
                }
            }
            else if (!xx)
            {
                z.Set(member, newScore, ctx.Limits);
                score = newScore;
                added++;
                processed++;
            }
        }
        if (added + updated > 0)
        {
            ctx.Modified(args[1], state);
            ctx.Notify('z', incr ? "zincr" : "zadd", args[1]);
        }
        if (incr) return processed > 0 ? Reply.Double(score) : Reply.Nil;
        return Reply.Integer(ch ? added + updated : added);
    }

    // ------------------------------------------------------------------ single-member reads

    public static Reply ZScore(CommandContext ctx, byte[][] args)
    {
        var z = Lookup(ctx, args[1]);
        return z is not null && z.TryGetScore(args[2], out var s) ? Reply.Double(s) : Reply.Nil;
    }

    public static Reply ZMScore(CommandContext ctx, byte[][] args)
    {
        var z = Lookup(ctx, args[1]);
        var items = new Reply[args.Length - 2];
        for (var j = 2; j < args.Length; j++)
            items[j - 2] = z is not null && z.TryGetScore(args[j], out var s) ? Reply.Double(s) : Reply.Nil;
        return Reply.Array(items);
    }

    public static Reply ZCard(CommandContext ctx, byte[][] args) => Reply.Integer(Lookup(ctx, args[1])?.Count ?? 0);

    public static Reply ZRank(CommandContext ctx, byte[][] args) => RankGeneric(ctx, args, reverse: false);

    public static Reply ZRevRank(CommandContext ctx, byte[][] args) => RankGeneric(ctx, args, reverse: true);

    static Reply RankGeneric(CommandContext ctx, byte[][] args, bool reverse)
    {
        var z = Lookup(ctx, args[1]);
        if (z is null || !z.TryGetScore(args[2], out var score)) return Reply.Nil;
        var rank = z.List.Rank(score, args[2]);
        return Reply.Integer(reverse ? z.Count - rank : rank - 1);
    }

    // ------------------------------------------------------------------ counts

    public static Reply ZCount(CommandContext ctx, byte[][] args)
    {
        var range = ParseScoreRange(args[2], args[3]);
        var z = Lookup(ctx, args[1]);
        if (z is null || range.IsEmpty) return Reply.Zero;
        var upTo = z.List.CountBefore(new AtMostMax(range), out _);
        var below = z.List.CountBefore(new BelowMin(range), out _);
        return Reply.Integer(Math.Max(0, upTo - below));
    }

    public static Reply ZLexCount(CommandContext ctx, byte[][] args)
    {
        var range = ParseLexRange(args[2], args[3]);
        var z = Lookup(ctx, args[1]);
        if (z is null || FirstInLex(z, range) is not { } first) return Reply.Zero;
        if (!z.IsSmall)
        {
            var upTo = z.List.CountBefore(new AtMostLexMax(range), out _);
            var below = z.List.CountBefore(new BelowLexMin(range), out _);
            return Reply.Integer(Math.Max(0, upTo - below));
        }
        var count = 0;
        for (var n = first; n is not null && range.LteMax(n.Member); n = n.Next) count++;
        return Reply.Integer(count);
    }

    /// <summary>
    /// zzlFirstInLexRange / zslFirstInLexRange. Lex ranges are only meaningful when all scores
    /// are equal; with mixed scores Redis's answer depends on how it searches, so this searches
    /// as Redis does: a range check on the ends, then a scan from the head for a set Redis
    /// keeps as a listpack (the skiplist's search for larger ones, whose shape Redis randomises).
    /// </summary>
    static Node? FirstInLex(SortedSetValue z, LexRange range)
    {
        if (!InLexRange(z, range)) return null;
        Node? n;
        if (z.IsSmall)
        {
            n = z.List.First;
            while (n is not null && !range.GteMin(n.Member)) n = n.Next;
        }
        else n = z.List.ByRank(z.List.CountBefore(new BelowLexMin(range), out _) + 1);
        return n is not null && range.LteMax(n.Member) ? n : null;
    }

    /// <summary>zzlLastInLexRange / zslLastInLexRange: the mirror of <see cref="FirstInLex"/>.</summary>
    static Node? LastInLex(SortedSetValue z, LexRange range)
    {
        if (!InLexRange(z, range)) return null;
        Node? n;
        if (z.IsSmall)
        {
            n = z.List.Last;
            while (n is not null && !range.LteMax(n.Member)) n = n.Backward;
        }
        else
        {
            var upTo = z.List.CountBefore(new AtMostLexMax(range), out _);
            n = upTo >= 1 ? z.List.ByRank(upTo) : null;
        }
        return n is not null && range.GteMin(n.Member) ? n : null;
    }

    /// <summary>zslIsInLexRange: the last member reaches the minimum and the first the maximum.</summary>
    static bool InLexRange(SortedSetValue z, LexRange range) =>
        !range.IsEmpty && z.List.Last is { } last && range.GteMin(last.Member) && z.List.First is { } head && range.LteMax(head.Member);

    // ------------------------------------------------------------------ ranges

    enum RangeType { Auto, Rank, Score, Lex }

    enum Direction { Auto, Forward, Reverse }

    public static Reply ZRange(CommandContext ctx, byte[][] args) => RangeGeneric(ctx, args, RangeType.Auto, Direction.Auto);
    public static Reply ZRevRange(CommandContext ctx, byte[][] args) => RangeGeneric(ctx, args, RangeType.Rank, Direction.Reverse);
    public static Reply ZRangeByScore(CommandContext ctx, byte[][] args) => RangeGeneric(ctx, args, RangeType.Score, Direction.Forward);
    public static Reply ZRevRangeByScore(CommandContext ctx, byte[][] args) => RangeGeneric(ctx, args, RangeType.Score, Direction.Reverse);
    public static Reply ZRangeByLex(CommandContext ctx, byte[][] args) => RangeGeneric(ctx, args, RangeType.Lex, Direction.Forward);
    public static Reply ZRevRangeByLex(CommandContext ctx, byte[][] args) => RangeGeneric(ctx, args, RangeType.Lex, Direction.Reverse);

    /// <summary>ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]: the range stored as a sorted set, its size answered.</summary>
    public static Reply ZRangeStore(CommandContext ctx, byte[][] args) => RangeGeneric(ctx, args, RangeType.Auto, Direction.Auto, destination: args[1]);

    /// <summary>
    /// zrangeGenericCommand: options, then conflicts, then the range, then the key. With a
    /// destination (ZRANGESTORE) the source and range follow it, and WITHSCORES is not an option.
    /// </summary>
    static Reply RangeGeneric(CommandContext ctx, byte[][] args, RangeType type, Direction direction, byte[]? destination = null)
    {
        var at = destination is null ? 1 : 2; // the source key
        bool withScores = false;
        long offset = 0, limit = -1;
        for (var j = at + 3; j < args.Length; j++)
        {
            var left = args.Length - j - 1;
            if (destination is null && Is(args[j], "withscores")) withScores = true;
            else if (Is(args[j], "limit") && left >= 2)
            {
                offset = Numbers.ParseLong(args[j + 1]);
                limit = Numbers.ParseLong(args[j + 2]);
                j += 2;
            }
            else if (direction == Direction.Auto && Is(args[j], "rev")) direction = Direction.Reverse;
            else if (type == RangeType.Auto && Is(args[j], "bylex")) type = RangeType.Lex;
            else if (type == RangeType.Auto && Is(args[j], "byscore")) type = RangeType.Score;
            else throw new RedisException(Errors.Syntax);
        }
        if (direction == Direction.Auto) direction = Direction.Forward;
        if (type == RangeType.Auto) type = RangeType.Rank;
        if (limit != -1 && type == RangeType.Rank) throw new RedisException(LimitNeedsBy);
        if (withScores && type == RangeType.Lex) throw new RedisException(WithScoresByLex);

        var reverse = direction == Direction.Reverse;
        // By score and by lex, a reversed range is written max first.
        var (minArg, maxArg) = reverse && type != RangeType.Rank ? (args[at + 2], args[at + 1]) : (args[at + 1], args[at + 2]);
        Func<SortedSetValue, List<Node>> range;
        switch (type)
        {
            case RangeType.Rank:
            {
                var start = Numbers.ParseLong(minArg);
                var end = Numbers.ParseLong(maxArg);
                range = z => RangeByRank(z, start, end, reverse);
                break;
            }
            case RangeType.Score:
            {
                var scores = ParseScoreRange(minArg, maxArg);
                range = z => RangeByScore(z, scores, offset, limit, reverse);
                break;
            }
            default:
            {
                var lex = ParseLexRange(minArg, maxArg);
                range = z => RangeByLex(z, lex, offset, limit, reverse);
                break;
            }
        }
        var source = Lookup(ctx, args[at]);
        var nodes = source is null ? [] : range(source);
        if (destination is null)
        {
            var items = new List<Reply>(withScores ? nodes.Count * 2 : nodes.Count);
            foreach (var n in nodes) Emit(items, n, withScores);
            return Reply.Array(items);
        }
        // zrangeResultBeginStore: a rank range longer than a listpack may be starts as a skiplist.
        var startsAsSkiplist = type == RangeType.Rank && nodes.Count > ctx.Limits.ZSetMaxListpackEntries;
        return StoreResult(ctx, destination, nodes, startsAsSkiplist);
    }

    /// <summary>
    /// ZRANGESTORE's result: the members of <paramref name="nodes"/> added one by one to a new set
    /// (zsetAdd, so the encoding converts as it grows), stored under <paramref name="destination"/>
    /// replacing whatever it held, or the destination deleted when there are none; answers the count.
    /// </summary>
    static Reply StoreResult(CommandContext ctx, byte[] destination, List<Node> nodes, bool startsAsSkiplist)
    {
        if (nodes.Count == 0)
        {
            if (ctx.Delete(destination)) ctx.Notify('g', "del", destination);
            return Reply.Zero;
        }
        var result = new SortedSetValue(startsAsSkiplist);
        foreach (var n in nodes) result.Set(n.Member, n.Score, ctx.Limits);
        ctx.Replace(destination, new KeyState { SortedSet = result });
        ctx.Notify('z', "zrangestore", destination);
        return Reply.Integer(result.Count);
    }

    static void Emit(List<Reply> into, Node n, bool withScores)
    {
        into.Add(Reply.Bulk(n.Member));
        if (withScores) into.Add(Reply.Double(n.Score));
    }

    static List<Node> RangeByRank(SortedSetValue z, long start, long end, bool reverse)
    {
        long len = z.Count;
        if (start < 0) start = len + start;
        if (end < 0) end = len + end;
        if (start < 0) start = 0;
        if (start > end || start >= len) return [];
        if (end >= len) end = len - 1;
        var count = end - start + 1;
        var nodes = new List<Node>((int)count);
        var n = reverse ? z.List.ByRank(len - start) : z.List.ByRank(start + 1);
        for (; count > 0 && n is not null; count--)
        {
            nodes.Add(n);
            n = reverse ? n.Backward : n.Next;
        }
        return nodes;
    }

    static List<Node> RangeByScore(SortedSetValue z, ScoreRange range, long offset, long limit, bool reverse)
    {
        // A negative offset walks off the end in Redis: nothing is returned.
        if (offset < 0 || (offset > 0 && offset >= z.Count) || range.IsEmpty) return [];
        var nodes = new List<Node>();
        Node? n;
        if (reverse)
        {
            var upTo = z.List.CountBefore(new AtMostMax(range), out _);
            n = upTo - offset >= 1 ? z.List.ByRank(upTo - offset) : null;
        }
        else
        {
            var below = z.List.CountBefore(new BelowMin(range), out _);
            n = z.List.ByRank(below + 1 + offset);
        }
        for (var left = limit; n is not null && left != 0; left--)
        {
            if (reverse ? !range.GteMin(n.Score) : !range.LteMax(n.Score)) break;
            nodes.Add(n);
            n = reverse ? n.Backward : n.Next;
        }
        return nodes;
    }

    static List<Node> RangeByLex(SortedSetValue z, LexRange range, long offset, long limit, bool reverse)
    {
        if (offset < 0 || range.IsEmpty) return [];
        var nodes = new List<Node>();
        // Like Redis: find the first member in range, then step over offset members unchecked.
        var n = reverse ? LastInLex(z, range) : FirstInLex(z, range);
        if (n is not null && offset > 0)
        {
            var rank = z.List.Rank(n.Score, n.Member) + (reverse ? -offset : offset);
            n = rank >= 1 ? z.List.ByRank(rank) : null;
        }
        for (var left = limit; n is not null && left != 0; left--)
        {
            if (reverse ? !range.GteMin(n.Member) : !range.LteMax(n.Member)) break;
            nodes.Add(n);
            n = reverse ? n.Backward : n.Next;
        }
        return nodes;
    }

    // ------------------------------------------------------------------ removal

    public static Reply ZRem(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.ZSet);
        if (state is null) return Reply.Zero;
        var z = state.SortedSet!;
        var deleted = 0;
        for (var j = 2; j < args.Length && z.Count > 0; j++)
            if (z.Remove(args[j])) deleted++;
        return Removed(ctx, args[1], state, deleted, "zrem");
    }

    public static Reply ZRemRangeByRank(CommandContext ctx, byte[][] args)
    {
        var start = Numbers.ParseLong(args[2]);
        var end = Numbers.ParseLong(args[3]);
        var state = ctx.Lookup(args[1], RedisType.ZSet);
        if (state is null) return Reply.Zero;
        var z = state.SortedSet!;
        long len = z.Count;
        if (start < 0) start = len + start;
        if (end < 0) end = len + end;
        if (start < 0) start = 0;
        if (start > end || start >= len) return Reply.Zero;
        if (end >= len) end = len - 1;
        var deleted = z.List.DeleteRangeByRank(start + 1, end + 1, z.Forget);
        return Removed(ctx, args[1], state, deleted, "zremrangebyrank");
    }

    public static Reply ZRemRangeByScore(CommandContext ctx, byte[][] args)
    {
        var range = ParseScoreRange(args[2], args[3]);
        var state = ctx.Lookup(args[1], RedisType.ZSet);
        if (state is null) return Reply.Zero;
        var z = state.SortedSet!;
        var deleted = z.List.DeleteFrom(new BelowMin(range), n => range.LteMax(n.Score), z.Forget);
        return Removed(ctx, args[1], state, deleted, "zremrangebyscore");
    }

    public static Reply ZRemRangeByLex(CommandContext ctx, byte[][] args)
    {
        var range = ParseLexRange(args[2], args[3]);
        var state = ctx.Lookup(args[1], RedisType.ZSet);
        if (state is null) return Reply.Zero;
        var z = state.SortedSet!;
        var deleted = FirstInLex(z, range) is null ? 0 : z.IsSmall
            ? DeleteLexRun(z, range)
            : z.List.DeleteFrom(new BelowLexMin(range), n => range.LteMax(n.Member), z.Forget);
        return Removed(ctx, args[1], state, deleted, "zremrangebylex");
    }

    /// <summary>zzlDeleteRangeByLex: from the first member in range, while members stay under the maximum.</summary>
    static int DeleteLexRun(SortedSetValue z, LexRange range)
    {
        var run = new List<byte[]>();
        for (var n = FirstInLex(z, range); n is not null && range.LteMax(n.Member); n = n.Next) run.Add(n.Member);
        foreach (var member in run) z.Remove(member);
        return run.Count;
    }

    /// <summary>After members left: stores the change, then Redis's events: the command's, and "del" if it emptied (and so was deleted).</summary>
    static Reply Removed(CommandContext ctx, byte[] key, KeyState state, int deleted, string name)
    {
        if (deleted > 0)
        {
            ctx.Modified(key, state);
            ctx.Notify('z', name, key);
            if (state.IsEmpty) ctx.Notify('g', "del", key);
        }
        return Reply.Integer(deleted);
    }

    // ------------------------------------------------------------------ pops and random members

    public static Reply ZPopMin(CommandContext ctx, byte[][] args) => Pop(ctx, args, max: false);

    public static Reply ZPopMax(CommandContext ctx, byte[][] args) => Pop(ctx, args, max: true);

    static Reply Pop(CommandContext ctx, byte[][] args, bool max)
    {
        if (args.Length > 3) throw new RedisException(Errors.Syntax);
        long count = 1;
        if (args.Length == 3)
        {
            // getPositiveLongFromObjectOrReply: one message for "not a number" and "negative".
            if (!Numbers.TryParseLong(args[2], out count) || count < 0) throw new RedisException(Errors.NotPositive);
        }
        var state = ctx.Lookup(args[1], RedisType.ZSet);
        if (state is null || count == 0) return Reply.EmptyArray;
        var items = new List<Reply>();
        foreach (var (member, score) in PopRange(ctx, args[1], state, max, count))
        {
            items.Add(Reply.Bulk(member));
            items.Add(Reply.Double(score));
        }
        return Reply.Array(items);
    }

    /// <summary>
    /// genericZpopCommand's removal: up to <paramref name="count"/> members from the low end (or
    /// the high end with <paramref name="max"/>), stored, then Redis's events.
    /// </summary>
    static List<(byte[] Member, double Score)> PopRange(CommandContext ctx, byte[] key, KeyState state, bool max, long count)
    {
        var z = state.SortedSet!;
        var n = (int)Math.Min(count, z.Count);
        var popped = new List<(byte[], double)>(n);
        for (var j = 0; j < n; j++)
        {
            var node = max ? z.List.Last! : z.List.First!;
            popped.Add((node.Member, node.Score));
            z.Remove(node.Member);
        }
        Removed(ctx, key, state, n, max ? "zpopmax" : "zpopmin");
        return popped;
    }

    /// <summary>zmpopGenericCommand's MIN|MAX: MAX is true, MIN false, anything else a syntax error.</summary>
    public static bool IsMax(byte[] arg) =>
        Is(arg, "max") ? true : Is(arg, "min") ? false : throw new RedisException(Errors.Syntax);

    /// <summary>ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]: [key, [[member, score], ...]] from the first existing key, else nil.</summary>
    public static Reply ZMPop(CommandContext ctx, byte[][] args) => MultiPop(ctx, args, MultiPopArgs.Parse(args, 1, IsMax));

    /// <summary>BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: ZMPOP's answer; the timeout is checked after the rest.</summary>
    public static Reply BZMPop(CommandContext ctx, byte[][] args) => MultiPop(ctx, args, MultiPopArgs.ParseBlocking(args, IsMax, out _));

    static Reply MultiPop(CommandContext ctx, byte[][] args, MultiPopArgs request)
    {
        foreach (var key in request.Keys(args))
        {
            // Sorted sets are never empty, so the first existing key is the one (or the WRONGTYPE).
            if (ctx.Lookup(key, RedisType.ZSet) is not { } state) continue;
            var pairs = PopRange(ctx, key, state, request.FromEnd, request.Count)
                .Select(p => Reply.Array([Reply.Bulk(p.Member), Reply.Double(p.Score)])).ToArray();
            return Reply.Array([Reply.Bulk(key), Reply.Array(pairs)]);
        }
        return Reply.NilArray;
    }

    public static Reply BZPopMin(CommandContext ctx, byte[][] args) => BlockingPop(ctx, args, max: false);

    public static Reply BZPopMax(CommandContext ctx, byte[][] args) => BlockingPop(ctx, args, max: true);

    /// <summary>BZPOPMIN/BZPOPMAX key [key ...] timeout: [key, member, score] from the first existing key, else nil.</summary>
    static Reply BlockingPop(CommandContext ctx, byte[][] args, bool max)
    {
        BlockingRequest.ParseTimeout(args[^1]);
        for (var i = 1; i < args.Length - 1; i++)
        {
            if (ctx.Lookup(args[i], RedisType.ZSet) is not { } state) continue;
            var (member, score) = PopRange(ctx, args[i], state, max, 1)[0];
            return Reply.Array([Reply.Bulk(args[i]), Reply.Bulk(member), Reply.Double(score)]);
        }
        return Reply.NilArray;
    }

    public static Reply ZRandMember(CommandContext ctx, byte[][] args)
    {
        if (args.Length == 2)
        {
            var single = Lookup(ctx, args[1]);
            if (single is null) return Reply.Nil;
            return Reply.Bulk(single.List.ByRank(ctx.Random.NextInt64(single.Count) + 1)!.Member);
        }
        // getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)
        var l = Numbers.ParseLong(args[2]);
        if (l == long.MinValue)
            throw new RedisException($"ERR value is out of range, value must between {-long.MaxValue} and {long.MaxValue}");
        var withScores = false;
        if (args.Length > 4 || (args.Length == 4 && !Is(args[3], "withscores"))) throw new RedisException(Errors.Syntax);
        if (args.Length == 4)
        {
            withScores = true;
            if (l < -long.MaxValue / 2 || l > long.MaxValue / 2) throw new RedisException(OutOfRange);
        }
        var z = Lookup(ctx, args[1]);
        if (z is null || l == 0) return Reply.EmptyArray;
        var size = z.Count;
        var items = new List<Reply>();
        if (l < 0 || l == 1)
        {
            // Repeats allowed: count independent draws.
            var count = l < 0 ? -l : 1;
            for (long j = 0; j < count; j++) Emit(items, z.List.ByRank(ctx.Random.NextInt64(size) + 1)!, withScores);
            return Reply.Array(items);
        }
        if (l >= size)
        {
            for (var n = z.List.First; n is not null; n = n.Next) Emit(items, n, withScores);
            return Reply.Array(items);
        }
        var want = (int)l;
        if (want * 3L > size)
        {
            // Close to the whole set: shuffle ranks partially (Redis removes random members instead).
            var ranks = new int[size];
            for (var j = 0; j < size; j++) ranks[j] = j + 1;
            for (var j = 0; j < want; j++)
            {
                var k = j + ctx.Random.Next(size - j);
                (ranks[j], ranks[k]) = (ranks[k], ranks[j]);
                Emit(items, z.List.ByRank(ranks[j])!, withScores);
            }
        }
        else
        {
            var picked = new HashSet<long>();
            while (picked.Count < want)
            {
                var r = ctx.Random.NextInt64(size) + 1;
                if (picked.Add(r)) Emit(items, z.List.ByRank(r)!, withScores);
            }
        }
        return Reply.Array(items);
    }

    // ------------------------------------------------------------------ ZUNION / ZINTER / ZDIFF

    enum SetOp { Union, Inter, Diff }

    enum Aggregate { Sum, Min, Max }

    /// <summary>One input of a set operation: a sorted set, a plain set (every score 1), or nothing.</summary>
    sealed class Source
    {
        public SortedSetValue? Z;
        public SetValue? S;
        public double Weight = 1;

        public int Length => Z?.Count ?? S?.Count ?? 0;
        public object? Subject => (object?)Z ?? S;

        public IEnumerable<(byte[] Member, double Score)> Items()
        {
            if (Z is not null)
            {
                for (var n = Z.List.First; n is not null; n = n.Next) yield return (n.Member, n.Score);
            }
            else if (S is not null)
            {
                foreach (var m in SetMembers(S)) yield return (m, 1.0);
            }
        }

        public bool TryFind(byte[] member, out double score)
        {
            if (Z is not null) return Z.TryGetScore(member, out score);
            score = 1.0;
            return S is not null && SetContains(S, member);
        }
    }

    // Plain sets count as sorted sets with every score 1 (Redis's zuiNext/zuiFind). These two are
    // the only places that read the set type; its members are read as a collection of byte[].
    static IEnumerable<byte[]> SetMembers(SetValue s) => s.Members;

    static bool SetContains(SetValue s, byte[] member) => s.Contains(member);

    public static Reply ZUnionStore(CommandContext ctx, byte[][] args) => SetOperation(ctx, args, args[1], 2, SetOp.Union);
    public static Reply ZInterStore(CommandContext ctx, byte[][] args) => SetOperation(ctx, args, args[1], 2, SetOp.Inter);
    public static Reply ZDiffStore(CommandContext ctx, byte[][] args) => SetOperation(ctx, args, args[1], 2, SetOp.Diff);
    public static Reply ZUnion(CommandContext ctx, byte[][] args) => SetOperation(ctx, args, null, 1, SetOp.Union);
    public static Reply ZInter(CommandContext ctx, byte[][] args) => SetOperation(ctx, args, null, 1, SetOp.Inter);
    public static Reply ZDiff(CommandContext ctx, byte[][] args) => SetOperation(ctx, args, null, 1, SetOp.Diff);

    /// <summary>ZINTERCARD numkeys key [key ...] [LIMIT limit]: the intersection's size, counting stopped at the limit (0 = none).</summary>
    public static Reply ZInterCard(CommandContext ctx, byte[][] args) => SetOperation(ctx, args, null, 1, SetOp.Inter, cardinalityOnly: true);

    /// <summary>zunionInterDiffGenericCommand.</summary>
    static Reply SetOperation(CommandContext ctx, byte[][] args, byte[]? destination, int numKeysIndex, SetOp op, bool cardinalityOnly = false)
    {
        var setNum = Numbers.ParseLong(args[numKeysIndex]);
        if (setNum < 1)
            throw new RedisException($"ERR at least 1 input key is needed for '{System.Text.Encoding.ASCII.GetString(args[0]).ToLowerInvariant()}' command");
        if (setNum > args.Length - (numKeysIndex + 1)) throw new RedisException(Errors.Syntax);

        var sources = new Source[setNum];
        var j = numKeysIndex + 1;
        for (var i = 0; i < setNum; i++, j++)
        {
            var state = ctx.Lookup(args[j]);
            var src = new Source();
            if (state is not null)
            {
                if (state.Type == RedisType.ZSet) src.Z = state.SortedSet;
                else if (state.Type == RedisType.Set) src.S = state.Set;
                else throw new RedisException(Errors.WrongType);
            }
            sources[i] = src;
        }

        var aggregate = Aggregate.Sum;
        var withScores = false;
        long limit = 0;
        var remaining = args.Length - j;
        while (remaining > 0)
        {
            if (cardinalityOnly)
            {
                if (remaining < 2 || !Is(args[j], "limit")) throw new RedisException(Errors.Syntax);
                if (!Numbers.TryParseLong(args[j + 1], out limit) || limit < 0) throw new RedisException("ERR LIMIT can't be negative");
                j += 2; remaining -= 2;
            }
            else if (op != SetOp.Diff && remaining >= setNum + 1 && Is(args[j], "weights"))
            {
                j++; remaining--;
                for (var i = 0; i < setNum; i++, j++, remaining--)
                    sources[i].Weight = Numbers.ParseDouble(args[j], WeightNotFloat);
            }
            else if (op != SetOp.Diff && remaining >= 2 && Is(args[j], "aggregate"))
            {
                j++; remaining--;
                if (Is(args[j], "sum")) aggregate = Aggregate.Sum;
                else if (Is(args[j], "min")) aggregate = Aggregate.Min;
                else if (Is(args[j], "max")) aggregate = Aggregate.Max;
                else throw new RedisException(Errors.Syntax);
                j++; remaining--;
            }
            else if (destination is null && Is(args[j], "withscores"))
            {
                j++; remaining--;
                withScores = true;
            }
            else throw new RedisException(Errors.Syntax);
        }

        // Redis sorts inputs by size (a stable sort here, as glibc's qsort is): it fixes the order
        // in which scores are added, and so the last bits of a sum.
        if (op != SetOp.Diff) sources = SortBySize(sources);

        var result = new SortedSetValue(skiplist: true); // created as a skiplist, converted back below when small
        if (cardinalityOnly) return Reply.Integer(Intersect(sources, aggregate, null, limit));
        switch (op)
        {
            case SetOp.Inter: Intersect(sources, aggregate, result, 0); break;
            case SetOp.Union: Unite(sources, aggregate, result); break;
            default: Subtract(sources, result); break;
        }

        if (destination is not null)
        {
            if (result.Count > 0)
            {
                result.ConvertToListpackIfNeeded(ctx.Limits);
                ctx.Replace(destination, new KeyState { SortedSet = result });
                ctx.Notify('z', op switch { SetOp.Union => "zunionstore", SetOp.Inter => "zinterstore", _ => "zdiffstore" }, destination);
                return Reply.Integer(result.Count);
            }
            if (ctx.Delete(destination)) ctx.Notify('g', "del", destination);
            return Reply.Zero;
        }
        var items = new List<Reply>(withScores ? result.Count * 2 : result.Count);
        for (var n = result.List.First; n is not null; n = n.Next) Emit(items, n, withScores);
        return Reply.Array(items);
    }

    static Source[] SortBySize(Source[] sources)
    {
        var sorted = (Source[])sources.Clone();
        // insertion sort: stable, and numkeys is small
        for (var i = 1; i < sorted.Length; i++)
        {
            var x = sorted[i];
            var k = i - 1;
            while (k >= 0 && sorted[k].Length > x.Length)
            {
                sorted[k + 1] = sorted[k];
                k--;
            }
            sorted[k + 1] = x;
        }
        return sorted;
    }

    static void Combine(ref double target, double value, Aggregate aggregate)
    {
        switch (aggregate)
        {
            case Aggregate.Sum:
                target += value;
                // inf + -inf is NaN: Redis makes it 0.
                if (double.IsNaN(target)) target = 0;
                break;
            case Aggregate.Min:
                target = value < target ? value : target;
                break;
            default:
                target = value > target ? value : target;
                break;
        }
    }

    /// <summary>
    /// The members of every source into <paramref name="result"/> (or, when it is null, only
    /// counted, stopping at a non-zero <paramref name="limit"/>); answers how many there were.
    /// </summary>
    static long Intersect(Source[] sources, Aggregate aggregate, SortedSetValue? result, long limit)
    {
        if (sources[0].Length == 0) return 0;
        var collected = new List<(byte[] Member, double Score)>();
        foreach (var (member, s0) in sources[0].Items())
        {
            var score = sources[0].Weight * s0;
            if (double.IsNaN(score)) score = 0;
            var j = 1;
            for (; j < sources.Length; j++)
            {
                double value;
                if (sources[j].Subject == sources[0].Subject) value = s0 * sources[j].Weight;
                else if (sources[j].TryFind(member, out value)) value *= sources[j].Weight;
                else break;
                Combine(ref score, value, aggregate);
            }
            if (j < sources.Length) continue;
            collected.Add((member, score));
            if (result is null && collected.Count == limit) break;
        }
        if (result is not null)
            foreach (var (member, score) in collected) result.AddNew(member, score);
        return collected.Count;
    }

    static void Unite(Source[] sources, Aggregate aggregate, SortedSetValue result)
    {
        var accumulator = new Dictionary<byte[], double>(Bytes.Comparer);
        foreach (var src in sources)
        {
            if (src.Length == 0) continue;
            foreach (var (member, s) in src.Items())
            {
                var score = src.Weight * s;
                if (double.IsNaN(score)) score = 0;
                ref var slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(accumulator, member, out var exists);
                if (exists) Combine(ref slot, score, aggregate);
                else slot = score;
            }
        }
        foreach (var (member, score) in accumulator) result.AddNew(member, score);
    }

    static void Subtract(Source[] sources, SortedSetValue result)
    {
        if (sources[0].Length == 0) return;
        foreach (var (member, score) in sources[0].Items())
        {
            var keep = true;
            for (var j = 1; j < sources.Length && keep; j++)
                if (sources[j].Subject == sources[0].Subject || sources[j].TryFind(member, out _)) keep = false;
            if (keep) result.AddNew(member, score);
        }
    }

    // ------------------------------------------------------------------ ZSCAN

    public static Reply ZScan(CommandContext ctx, byte[][] args)
    {
        Scan.ParseCursor(args[2]);
        var z = Lookup(ctx, args[1]);
        if (z is null) return Scan.Empty;
        var options = Scan.Parse(args, 2, allowType: false);
        var items = new List<byte[]>();
        if (z.IsSmall)
        {
            // Redis answers a listpack-encoded zset whole, cursor 0, whatever the cursor and COUNT.
            for (var n = z.List.First; n is not null; n = n.Next)
            {
                if (!options.Matches(n.Member)) continue;
                items.Add(n.Member);
                items.Add(System.Text.Encoding.ASCII.GetBytes(Numbers.FormatDouble(n.Score)));
            }
            return Scan.Reply(0, items);
        }
        var (next, page) = Scan.Page(z.Entries, e => e.Member, options.Cursor, options.Count);
        foreach (var (member, score) in page)
        {
            if (!options.Matches(member)) continue;
            items.Add(member);
            items.Add(System.Text.Encoding.ASCII.GetBytes(Numbers.FormatDouble(score)));
        }
        return Scan.Reply(next, items);
    }
}
