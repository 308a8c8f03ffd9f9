using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// The value of a set key. Members live in a list plus a member-to-position dictionary, so
/// add, remove, membership and a uniformly random pick are all O(1) (a HashSet alone cannot
/// pick at random without walking it). Removal swaps the last member into the hole.
/// It also remembers which encoding Redis 7.0 would use (intset or hashtable), because that
/// decides what SSCAN answers: an intset is returned whole with cursor 0.
/// </summary>
[JsonConverter(typeof(SetValueJsonConverter))]
public sealed class SetValue
{
    readonly List<byte[]> members;
    readonly Dictionary<byte[], int> positions;

    public SetValue()
    {
        members = [];
        positions = new Dictionary<byte[], int>(Bytes.Comparer);
    }

    public SetValue(int capacity)
    {
        members = new List<byte[]>(capacity);
        positions = new Dictionary<byte[], int>(capacity, Bytes.Comparer);
    }

    public int Count => members.Count;

    /// <summary>The members in no particular order (do not change the set while reading it).</summary>
    public IReadOnlyList<byte[]> Members => members;

    /// <summary>
    /// True once Redis would have converted the set to a hashtable: a member that is not a
    /// string2ll integer, or more than set-max-intset-entries members, was added. Like Redis it never goes back
    /// when members are removed (only SPOP's "keep the rest" strategy rebuilds the set).
    /// </summary>
    public bool Hashtable { get; private set; }

    public bool Contains(byte[] member) => positions.ContainsKey(member);

    /// <summary>Adds a member; true when it is new. Converts the encoding as setTypeAdd does, at <paramref name="limits"/> (commands pass the context's; default: Redis's).</summary>
    public bool Add(byte[] member, EncodingLimits? limits = null)
    {
        limits ??= EncodingLimits.Default;
        if (!positions.TryAdd(member, members.Count)) return false;
        members.Add(member);
        if (!Hashtable && (members.Count > limits.SetMaxIntsetEntries || !Numbers.TryParseLong(member, out _)))
            Hashtable = true;
        return true;
    }

    public bool Remove(byte[] member)
    {
        if (!positions.Remove(member, out var at)) return false;
        RemoveAt(at);
        return true;
    }

    /// <summary>A uniformly random member (the set must not be empty).</summary>
    public byte[] RandomMember(Random random) => members[random.Next(members.Count)];

    /// <summary>Removes and returns a uniformly random member (the set must not be empty).</summary>
    public byte[] PopRandom(Random random)
    {
        var at = random.Next(members.Count);
        var member = members[at];
        positions.Remove(member);
        RemoveAt(at);
        return member;
    }

    /// <summary>Fills the hole at <paramref name="at"/> (already gone from positions) with the last member.</summary>
    void RemoveAt(int at)
    {
        var last = members.Count - 1;
        if (at != last)
        {
            var moved = members[last];
            members[at] = moved;
            positions[moved] = at;
        }
        members.RemoveAt(last);
    }

    /// <summary>
    /// What Redis's SPOP does when it keeps the few remaining members in a new set: the new
    /// set is encoded from scratch, so it can be an intset again.
    /// </summary>
    internal void Reencode(EncodingLimits limits) => Hashtable = members.Count > limits.SetMaxIntsetEntries || !AllIntegers();

    /// <summary>True when the encoding is the one a set built from these members would get under Redis's default limits.</summary>
    internal bool HasNaturalEncoding => Hashtable == (members.Count > EncodingLimits.Default.SetMaxIntsetEntries || !AllIntegers());

    /// <summary>
    /// The members in the order Redis lists them where that order is defined: an intset is
    /// sorted by value (at most 512 members, so the sort is cheap); a hashtable in our order.
    /// </summary>
    public IReadOnlyList<byte[]> InRedisOrder()
    {
        if (Hashtable) return members;
        var values = new long[members.Count];
        for (var i = 0; i < values.Length; i++) Numbers.TryParseLong(members[i], out values[i]);
        var sorted = members.ToArray();
        Array.Sort(values, sorted);
        return sorted;
    }

    /// <summary>Sets the encoding the JSON reader found recorded.</summary>
    internal void ForceEncoding(bool asHashtable) => Hashtable = asHashtable;

    bool AllIntegers()
    {
        foreach (var m in members)
            if (!Numbers.TryParseLong(m, out _)) return false;
        return true;
    }

    public SetValue Clone()
    {
        var copy = new SetValue(members.Count);
        // Members are never mutated in place, so the copy can share the byte arrays.
        foreach (var m in members) copy.Add(m, EncodingLimits.Default);
        copy.Hashtable = Hashtable;
        return copy;
    }
}

/// <summary>
/// A set as a JSON array of its members: members that are canonical 64-bit integers as JSON
/// numbers (the common intset case, two bytes shorter each), others as BytesJsonConverter
/// writes them (a string, or [base64] when not UTF-8). A leading boolean records an encoding
/// its members would not get under Redis's default limits: <c>true</c> a hashtable of integers
/// (it once held others), <c>false</c> an intset kept under a raised set-max-intset-entries.
/// </summary>
public sealed class SetValueJsonConverter : JsonConverter<SetValue>
{
    static readonly BytesJsonConverter BytesConverter = new();

    public override SetValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected a JSON array of set members");
        var set = new SetValue();
        bool? recorded = null;
        var first = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (first && reader.TokenType is JsonTokenType.True or JsonTokenType.False)
            {
                recorded = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.TokenType == JsonTokenType.Number)
            {
                if (reader.HasValueSequence) throw new JsonException("unexpected segmented number");
                set.Add(reader.ValueSpan.ToArray(), EncodingLimits.Default);
            }
            else
            {
                set.Add(BytesConverter.Read(ref reader, typeof(byte[]), options), EncodingLimits.Default);
            }
            first = false;
        }
        if (recorded is { } asHashtable) set.ForceEncoding(asHashtable);
        return set;
    }

    public override void Write(Utf8JsonWriter writer, SetValue value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        if (!value.HasNaturalEncoding) writer.WriteBooleanValue(value.Hashtable);
        foreach (var m in value.Members)
        {
            // string2ll accepts only canonical integers, so the number's text is the member's bytes.
            if (Numbers.TryParseLong(m, out var n)) writer.WriteNumberValue(n);
            else BytesConverter.Write(writer, m, options);
        }
        writer.WriteEndArray();
    }
}

/// <summary>The set commands (Redis 7.0's t_set.c).</summary>
public static class Sets
{
    const string NumKeysNotPositive = "ERR numkeys should be greater than 0";
    const string TooManyNumKeys = "ERR Number of keys can't be greater than number of args";
    const string LimitNegative = "ERR LIMIT can't be negative";
    const string SRandMemberRange = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807";

    /// <summary>
    /// SPOP keeps the remaining members in a new set instead of popping one by one when
    /// remaining * 5 &lt;= count (Redis's SPOP_MOVE_STRATEGY_MUL); only the encoding shows it.
    /// </summary>
    const long SPopMoveStrategyMul = 5;

    /// <summary>SRANDMEMBER's positive count: sample by removing from a copy when count * 3 &gt; size.</summary>
    const long SRandMemberSubStrategyMul = 3;

    public static Reply SAdd(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.Set);
        state ??= new KeyState { Set = new SetValue() };
        var set = state.Set!;
        long added = 0;
        for (var i = 2; i < args.Length; i++)
            if (set.Add(args[i], ctx.Limits)) added++;
        if (added > 0)
        {
            ctx.Modified(args[1], state);
            ctx.Notify('s', "sadd", args[1]);
        }
        return Reply.Integer(added);
    }

    public static Reply SRem(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.Set);
        if (state is null) return Reply.Zero;
        var set = state.Set!;
        long removed = 0;
        for (var i = 2; i < args.Length && set.Count > 0; i++)
            if (set.Remove(args[i])) removed++;
        if (removed > 0)
        {
            ctx.Modified(args[1], state);
            Removed(ctx, args[1], state, "srem");
        }
        return Reply.Integer(removed);
    }

    public static Reply SMembers(CommandContext ctx, byte[][] args)
    {
        var set = ctx.Lookup(args[1], RedisType.Set)?.Set;
        return set is null ? Reply.EmptyArray : MembersReply(set.InRedisOrder());
    }

    public static Reply SIsMember(CommandContext ctx, byte[][] args)
    {
        var set = ctx.Lookup(args[1], RedisType.Set)?.Set;
        return Reply.Integer(set is not null && set.Contains(args[2]));
    }

    public static Reply SMIsMember(CommandContext ctx, byte[][] args)
    {
        var set = ctx.Lookup(args[1], RedisType.Set)?.Set;
        var replies = new Reply[args.Length - 2];
        for (var i = 2; i < args.Length; i++)
            replies[i - 2] = Reply.Integer(set is not null && set.Contains(args[i]));
        return Reply.Array(replies);
    }

    public static Reply SCard(CommandContext ctx, byte[][] args) =>
        Reply.Integer(ctx.Lookup(args[1], RedisType.Set)?.Set!.Count ?? 0);

    public static Reply SPop(CommandContext ctx, byte[][] args)
    {
        if (args.Length > 3) throw new RedisException(Errors.Syntax);
        if (args.Length == 3) return SPopCount(ctx, args);

        var state = ctx.Lookup(args[1], RedisType.Set);
        if (state is null) return Reply.Nil;
        var member = state.Set!.PopRandom(ctx.Random);
        ctx.Modified(args[1], state);
        Removed(ctx, args[1], state, "spop");
        return Reply.Bulk(member);
    }

    static Reply SPopCount(CommandContext ctx, byte[][] args)
    {
        // The count is checked before the key, so a bad count wins over WRONGTYPE.
        if (!Numbers.TryParseLong(args[2], out var count) || count < 0) throw new RedisException(Errors.NotPositive);
        var state = ctx.Lookup(args[1], RedisType.Set);
        if (state is null || count == 0) return Reply.EmptyArray;
        var set = state.Set!;

        if (count >= set.Count)
        {
            var all = MembersReply(set.InRedisOrder());
            ctx.Delete(args[1]);
            ctx.Notify('s', "spop", args[1]);
            ctx.Notify('g', "del", args[1]);
            return all;
        }

        var popped = new Reply[count];
        for (var i = 0; i < popped.Length; i++) popped[i] = Reply.Bulk(set.PopRandom(ctx.Random));
        if (set.Count * SPopMoveStrategyMul <= count) set.Reencode(ctx.Limits);
        ctx.Modified(args[1], state);
        ctx.Notify('s', "spop", args[1]);
        return Reply.Array(popped);
    }

    public static Reply SRandMember(CommandContext ctx, byte[][] args)
    {
        if (args.Length > 3) throw new RedisException(Errors.Syntax);
        if (args.Length == 3) return SRandMemberCount(ctx, args);

        var set = ctx.Lookup(args[1], RedisType.Set)?.Set;
        return set is null ? Reply.Nil : Reply.Bulk(set.RandomMember(ctx.Random));
    }

    static Reply SRandMemberCount(CommandContext ctx, byte[][] args)
    {
        var l = Numbers.ParseLong(args[2]);
        if (l == long.MinValue) throw new RedisException(SRandMemberRange);
        var set = ctx.Lookup(args[1], RedisType.Set)?.Set;
        if (set is null || l == 0) return Reply.EmptyArray;
        var random = ctx.Random;

        if (l < 0)
        {
            // Negative: -l picks that may repeat. Redis streams them; we must hold them in an array.
            if (-l > Array.MaxLength) throw new RedisException("ERR count is too large to reply with");
            var picks = new Reply[-l];
            for (var i = 0; i < picks.Length; i++) picks[i] = Reply.Bulk(set.RandomMember(random));
            return Reply.Array(picks);
        }

        var size = set.Count;
        if (l >= size) return MembersReply(set.InRedisOrder());

        var count = (int)l;
        var result = new Reply[count];
        if (l * SRandMemberSubStrategyMul > size)
        {
            // Close to the whole set: a partial Fisher-Yates shuffle of the positions, O(size).
            var order = new int[size];
            for (var i = 0; i < size; i++) order[i] = i;
            for (var i = 0; i < count; i++)
            {
                var j = random.Next(i, size);
                (order[i], order[j]) = (order[j], order[i]);
                result[i] = Reply.Bulk(set.Members[order[i]]);
            }
        }
        else
        {
            // Few of many: random positions until enough distinct ones, O(count) expected.
            var seen = new HashSet<int>(count);
            var n = 0;
            while (n < count)
            {
                var at = random.Next(size);
                if (seen.Add(at)) result[n++] = Reply.Bulk(set.Members[at]);
            }
        }
        return Reply.Array(result);
    }

    public static Reply SInter(CommandContext ctx, byte[][] args)
    {
        var sets = LookupSets(ctx, args, 1, out var anyMissing);
        return anyMissing ? Reply.EmptyArray : MembersReply(Intersect(sets));
    }

    public static Reply SInterStore(CommandContext ctx, byte[][] args)
    {
        var sets = LookupSets(ctx, args, 2, out var anyMissing);
        if (anyMissing)
        {
            if (ctx.Delete(args[1])) ctx.Notify('g', "del", args[1]);
            return Reply.Zero;
        }
        var result = new SetValue();
        foreach (var m in Intersect(sets)) result.Add(m, ctx.Limits);
        return Store(ctx, args[1], result, "sinterstore");
    }

    public static Reply SUnion(CommandContext ctx, byte[][] args) =>
        MembersReply(Union(LookupSets(ctx, args, 1, out _), ctx.Limits).InRedisOrder());

    public static Reply SUnionStore(CommandContext ctx, byte[][] args) =>
        Store(ctx, args[1], Union(LookupSets(ctx, args, 2, out _), ctx.Limits), "sunionstore");

    public static Reply SDiff(CommandContext ctx, byte[][] args) =>
        MembersReply(Diff(LookupSets(ctx, args, 1, out _), ctx.Limits).InRedisOrder());

    public static Reply SDiffStore(CommandContext ctx, byte[][] args) =>
        Store(ctx, args[1], Diff(LookupSets(ctx, args, 2, out _), ctx.Limits), "sdiffstore");

    public static Reply SMove(CommandContext ctx, byte[][] args)
    {
        // Redis looks both keys up first, answers 0 for a missing source whatever the
        // destination holds, then checks the source's type, then the destination's.
        var source = ctx.Lookup(args[1]);
        var destination = ctx.Lookup(args[2]);
        if (source is null) return Reply.Zero;
        if (source.Type != RedisType.Set) throw new RedisException(Errors.WrongType);
        if (destination is not null && destination.Type != RedisType.Set) throw new RedisException(Errors.WrongType);
        var member = args[3];

        if (Bytes.Comparer.Equals(args[1], args[2])) return Reply.Integer(source.Set!.Contains(member));
        if (!source.Set!.Remove(member)) return Reply.Zero;
        ctx.Modified(args[1], source);
        Removed(ctx, args[1], source, "srem");

        destination ??= new KeyState { Set = new SetValue() };
        if (destination.Set!.Add(member, ctx.Limits))
        {
            ctx.Modified(args[2], destination);
            ctx.Notify('s', "sadd", args[2]);
        }
        return Reply.One;
    }

    public static Reply SInterCard(CommandContext ctx, byte[][] args)
    {
        if (!Numbers.TryParseLong(args[1], out var numKeys) || numKeys < 1) throw new RedisException(NumKeysNotPositive);
        if (numKeys > args.Length - 2) throw new RedisException(TooManyNumKeys);
        long limit = 0;
        for (var j = 2 + (int)numKeys; j < args.Length; j++)
        {
            var moreArgs = args.Length - 1 - j;
            if (moreArgs > 0 && Ascii.EqualsIgnoreCase(args[j], "limit"u8))
            {
                j++;
                if (!Numbers.TryParseLong(args[j], out limit) || limit < 0) throw new RedisException(LimitNegative);
            }
            else
            {
                throw new RedisException(Errors.Syntax);
            }
        }

        var sets = new SetValue[numKeys];
        var anyMissing = false;
        for (var i = 0; i < sets.Length; i++)
        {
            var set = ctx.Lookup(args[2 + i], RedisType.Set)?.Set;
            if (set is null) anyMissing = true;
            else sets[i] = set;
        }
        if (anyMissing) return Reply.Zero;

        Array.Sort(sets, static (a, b) => a.Count.CompareTo(b.Count));
        long cardinality = 0;
        foreach (var m in sets[0].Members)
        {
            if (!InAllOthers(sets, m)) continue;
            cardinality++;
            if (limit > 0 && cardinality >= limit) break;
        }
        return Reply.Integer(cardinality);
    }

    public static Reply SScan(CommandContext ctx, byte[][] args)
    {
        // Redis's order: the cursor, then the key (a missing key ignores the options), then the options.
        var cursor = Scan.ParseCursor(args[2]);
        var set = ctx.Lookup(args[1], RedisType.Set)?.Set;
        if (set is null) return Scan.Empty;
        var options = Scan.Parse(args, 2, allowType: false);

        if (!set.Hashtable)
        {
            // Redis 7.0 answers an intset-encoded set whole, with cursor 0, whatever the cursor.
            var all = new List<byte[]>(set.Count);
            foreach (var m in set.InRedisOrder())
                if (options.Matches(m)) all.Add(m);
            return Scan.Reply(0, all);
        }

        var (next, page) = Scan.Page(set.Members, static m => m, cursor, options.Count);
        if (options.Pattern is not null) page.RemoveAll(m => !options.Matches(m));
        return Scan.Reply(next, page);
    }

    /// <summary>
    /// The sets named by args[first..]: missing keys as null (reported through
    /// <paramref name="anyMissing"/>). Every key is type-checked before any work, as Redis 7.0 does.
    /// </summary>
    static SetValue?[] LookupSets(CommandContext ctx, byte[][] args, int first, out bool anyMissing)
    {
        var sets = new SetValue?[args.Length - first];
        anyMissing = false;
        for (var i = 0; i < sets.Length; i++)
        {
            sets[i] = ctx.Lookup(args[first + i], RedisType.Set)?.Set;
            if (sets[i] is null) anyMissing = true;
        }
        return sets;
    }

    /// <summary>Members of the smallest set found in all the others (no set may be null).</summary>
    static List<byte[]> Intersect(SetValue?[] sets)
    {
        var ordered = new SetValue[sets.Length];
        for (var i = 0; i < sets.Length; i++) ordered[i] = sets[i]!;
        Array.Sort(ordered, static (a, b) => a.Count.CompareTo(b.Count));
        var result = new List<byte[]>();
        // Redis walks the smallest set, so an intset there gives a sorted reply.
        foreach (var m in ordered[0].InRedisOrder())
            if (InAllOthers(ordered, m)) result.Add(m);
        return result;
    }

    static bool InAllOthers(SetValue[] sets, byte[] member)
    {
        for (var i = 1; i < sets.Length; i++)
            if (!ReferenceEquals(sets[i], sets[0]) && !sets[i].Contains(member)) return false;
        return true;
    }

    static SetValue Union(SetValue?[] sets, EncodingLimits limits)
    {
        var result = new SetValue();
        foreach (var set in sets)
        {
            if (set is null) continue;
            foreach (var m in set.Members) result.Add(m, limits);
        }
        return result;
    }

    /// <summary>
    /// The first set minus the others, with Redis's choice of algorithm: test each member of the
    /// first against every other set (O(first * sets)) or copy the first and remove every member
    /// of the others (O(total)), whichever is estimated cheaper.
    /// </summary>
    static SetValue Diff(SetValue?[] sets, EncodingLimits limits)
    {
        var result = new SetValue();
        var first = sets[0];
        if (first is null) return result;
        // Redis's estimate: missing keys count for neither algorithm.
        long perMember = 0, total = 0;
        for (var i = 0; i < sets.Length; i++)
        {
            if (sets[i] is not { } set) continue;
            if (i > 0 && ReferenceEquals(set, first)) return result; // A - ... - A is empty.
            perMember += first.Count;
            total += set.Count;
        }

        // The algorithm matters beyond speed: the second starts from all of the first set, so
        // the result keeps a hashtable encoding the first would not give it (Redis does the same).
        if (perMember / 2 <= total)
        {
            foreach (var m in first.Members)
            {
                var keep = true;
                for (var i = 1; i < sets.Length && keep; i++)
                    if (sets[i] is { } other && other.Contains(m)) keep = false;
                if (keep) result.Add(m, limits);
            }
        }
        else
        {
            foreach (var m in first.Members) result.Add(m, limits);
            for (var i = 1; i < sets.Length && result.Count > 0; i++)
            {
                if (sets[i] is not { } other) continue;
                foreach (var m in other.Members) result.Remove(m);
            }
        }
        return result;
    }

    /// <summary>*STORE: replaces the destination (any type, TTL dropped); an empty result deletes it.</summary>
    static Reply Store(CommandContext ctx, byte[] destination, SetValue result, string name)
    {
        if (result.Count == 0)
        {
            if (ctx.Delete(destination)) ctx.Notify('g', "del", destination);
            return Reply.Zero;
        }
        ctx.Replace(destination, new KeyState { Set = result });
        ctx.Notify('s', name, destination);
        return Reply.Integer(result.Count);
    }

    /// <summary>Redis's events after members left a set: the command's, then "del" if it emptied (and so was deleted).</summary>
    static void Removed(CommandContext ctx, byte[] key, KeyState state, string name)
    {
        ctx.Notify('s', name, key);
        if (state.IsEmpty) ctx.Notify('g', "del", key);
    }

    static Reply MembersReply(IReadOnlyList<byte[]> members)
    {
        var items = new Reply[members.Count];
        for (var i = 0; i < items.Length; i++) items[i] = Reply.Bulk(members[i]);
        return Reply.Array(items);
    }
}
