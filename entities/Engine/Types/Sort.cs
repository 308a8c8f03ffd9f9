using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// SORT and SORT_RO (sort.c): the elements of a list, set or sorted set, sorted by their numeric
/// value, as bytes (ALPHA), or by other keys (BY pattern), cut by LIMIT, projected through other
/// keys (GET pattern), answered or stored as a list (STORE). BY and GET read keys the command does
/// not name: they are read through the keyspace the engine was given, so a host must give SORT a
/// keyspace that can read any key (as the transaction path does).
/// </summary>
public static class Sort
{
    public static Reply SortCommand(CommandContext ctx, byte[][] args) => Generic(ctx, args, readOnly: false);

    public static Reply SortRo(CommandContext ctx, byte[][] args) => Generic(ctx, args, readOnly: true);

    /// <summary>sortGetKeys: the sorted key, and the last STORE's key (LIMIT, GET and BY arguments skipped).</summary>
    public static IReadOnlyList<int> SortKeys(byte[][] args)
    {
        var store = 0;
        for (var i = 2; i < args.Length; i++)
        {
            if (Is(args[i], "limit")) i += 2;
            else if (Is(args[i], "get") || Is(args[i], "by")) i++;
            else if (Is(args[i], "store") && i + 1 < args.Length) store = i + 1;
        }
        return store > 0 ? [1, store] : [1];
    }

    /// <summary>sortROGetKeys: only the sorted key.</summary>
    public static IReadOnlyList<int> SortRoKeys(byte[][] args) => [1];

    /// <summary>One element to sort: the element, and what it sorts by (a number, or bytes for ALPHA BY).</summary>
    sealed class Item(byte[] element)
    {
        public readonly byte[] Element = element;
        public double Score;
        public byte[]? SortBy;
    }

    /// <summary>sortCommandGeneric, in its order: options, the key's type, the scores, then the output.</summary>
    static Reply Generic(CommandContext ctx, byte[][] args, bool readOnly)
    {
        bool desc = false, alpha = false, dontSort = false;
        long limitStart = 0, limitCount = -1;
        byte[]? sortBy = null, storeKey = null;
        var gets = new List<byte[]>();
        for (var j = 2; j < args.Length; j++)
        {
            var left = args.Length - j - 1;
            if (Is(args[j], "asc")) desc = false;
            else if (Is(args[j], "desc")) desc = true;
            else if (Is(args[j], "alpha")) alpha = true;
            else if (Is(args[j], "limit") && left >= 2)
            {
                limitStart = Numbers.ParseLong(args[j + 1]);
                limitCount = Numbers.ParseLong(args[j + 2]);
                j += 2;
            }
            else if (!readOnly && Is(args[j], "store") && left >= 1) storeKey = args[++j];
            else if (Is(args[j], "by") && left >= 1)
            {
                sortBy = args[++j];
                // A BY pattern without '*' is constant: nothing to sort by, nothing to read.
                dontSort = CString(sortBy).IndexOf((byte)'*') < 0;
            }
            else if (Is(args[j], "get") && left >= 1) gets.Add(args[++j]);
            else throw new RedisException(Errors.Syntax);
        }

        var state = ctx.Lookup(args[1]);
        if (state is not null && state.Type is not (RedisType.List or RedisType.Set or RedisType.ZSet))
            throw new RedisException(Errors.WrongType);
        // Redis converts a listpack sorted set to a skiplist before reading it, for good (only
        // OBJECT ENCODING and ZSCAN show it); not a change of the data, so no new version.
        state?.SortedSet?.ConvertToSkiplist();

        // A set has no order of its own: stored, it is sorted by its members so the result is the
        // same everywhere (Redis does this for STORE and scripts).
        if (dontSort && state?.Set is not null && storeKey is not null)
        {
            dontSort = false;
            alpha = true;
            sortBy = null;
        }

        long length = state?.List?.Count ?? state?.Set?.Count ?? state?.SortedSet?.Count ?? 0;
        var start = Math.Min(Math.Max(limitStart, 0), length);
        limitCount = Math.Min(Math.Max(limitCount, -1), length);
        var end = limitCount < 0 ? length - 1 : start + limitCount - 1;
        if (start >= length)
        {
            start = length - 1;
            end = length - 2;
        }
        if (end >= length) end = length - 1;

        List<Item> items;
        if (dontSort && (state?.List is not null || state?.SortedSet is not null))
        {
            // Native order (reversed by DESC), and only the range LIMIT asks for.
            items = NativeRange(state, start, end, desc);
            end -= start;
            start = 0;
        }
        else
        {
            items = All(state);
        }

        if (!dontSort)
        {
            var conversionError = false;
            foreach (var item in items)
            {
                var by = sortBy is null ? item.Element : ByPattern(ctx, sortBy, item.Element);
                if (by is null) continue; // a missing BY value sorts as 0 (or first, with ALPHA)
                if (alpha)
                {
                    if (sortBy is not null) item.SortBy = by;
                }
                else if (!Numbers.StrtodInRange(by, out item.Score) || double.IsNaN(item.Score))
                {
                    conversionError = true;
                }
            }
            // The error comes after every score was read, as in Redis (which then answers it). Redis
            // also reads strtod's errno without clearing it, so a stale ERANGE left by an earlier
            // command can fail a SORT there; this store has no such state.
            if (conversionError) throw new RedisException("ERR One or more scores can't be converted into double");
            // Stable, as glibc's qsort (a merge sort) is for Redis: ALPHA BY ties keep their order.
            items = items.Order(new ItemComparer(alpha, sortBy is not null, desc)).ToList();
        }

        var output = new List<byte[]?>();
        for (var j = start; j <= end; j++)
        {
            var element = items[(int)j].Element;
            if (gets.Count == 0) output.Add(element);
            foreach (var pattern in gets) output.Add(ByPattern(ctx, pattern, element));
        }

        if (storeKey is null) return Reply.BulkArray(output);
        if (output.Count > 0)
        {
            ctx.Replace(storeKey, new KeyState { List = new ListValue(output.Select(e => e ?? [])) });
            ctx.Notify('l', "sortstore", storeKey);
        }
        else if (ctx.Delete(storeKey))
        {
            ctx.Notify('g', "del", storeKey);
        }
        return Reply.Integer(output.Count);
    }

    /// <summary>Every element, in the order Redis loads them before sorting (a set's in its own order).</summary>
    static List<Item> All(KeyState? state)
    {
        if (state?.List is { } list) return list.Select(e => new Item(e)).ToList();
        if (state?.Set is { } set) return set.InRedisOrder().Select(e => new Item(e)).ToList();
        if (state?.SortedSet is { } zset) return zset.Entries.Select(e => new Item(e.Member)).ToList();
        return [];
    }

    /// <summary>A list's or sorted set's elements start..end in their own order, counted from the other end with DESC.</summary>
    static List<Item> NativeRange(KeyState state, long start, long end, bool desc)
    {
        var items = new List<Item>();
        if (end < start) return items;
        if (state.List is { } list)
        {
            for (var i = start; i <= end; i++) items.Add(new Item(list[(int)(desc ? list.Count - 1 - i : i)]));
            return items;
        }
        var z = state.SortedSet!;
        var node = desc ? z.List.ByRank(z.Count - start) : z.List.ByRank(start + 1);
        for (var i = start; i <= end && node is not null; i++)
        {
            items.Add(new Item(node.Member));
            node = desc ? node.Backward : node.Next;
        }
        return items;
    }

    /// <summary>sortCompare: numbers (ties by the elements' bytes), or bytes; DESC reverses.</summary>
    sealed class ItemComparer(bool alpha, bool byPattern, bool desc) : IComparer<Item>
    {
        public int Compare(Item? x, Item? y)
        {
            int cmp;
            if (!alpha)
            {
                cmp = x!.Score.CompareTo(y!.Score);
                if (x.Score == y.Score) cmp = Bytes.Comparer.Compare(x.Element, y.Element);
            }
            else if (byPattern)
            {
                // Elements whose BY value is missing sort first. Redis compares with strcoll in the
                // server's locale (C/C.UTF-8: byte order, which this is).
                cmp = x!.SortBy is null || y!.SortBy is null
                    ? (x.SortBy is null ? 0 : 1) - (y!.SortBy is null ? 0 : 1)
                    : Bytes.Comparer.Compare(x.SortBy, y.SortBy);
            }
            else
            {
                cmp = Bytes.Comparer.Compare(x!.Element, y!.Element);
            }
            return desc ? -cmp : cmp;
        }
    }

    /// <summary>
    /// lookupKeyByPattern: "#" is the element itself; otherwise the first '*' of the pattern is
    /// replaced by the element to name a key, whose string value is the answer, or with
    /// "key*->field" a hash key's field. A pattern without '*', a missing key or field, or a key of
    /// another type answers null. Like Redis, the pattern is searched as a C string (up to a NUL).
    /// </summary>
    static byte[]? ByPattern(CommandContext ctx, byte[] pattern, byte[] element)
    {
        var text = CString(pattern);
        if (text is [(byte)'#']) return element;
        var star = text.IndexOf((byte)'*');
        if (star < 0) return null;
        var arrow = text[(star + 1)..].IndexOf("->"u8);
        var fieldAt = arrow >= 0 && star + 1 + arrow + 2 < text.Length ? star + 1 + arrow + 2 : -1;
        var postfixEnd = fieldAt >= 0 ? fieldAt - 2 : pattern.Length;
        var key = new byte[star + element.Length + (postfixEnd - star - 1)];
        pattern.AsSpan(0, star).CopyTo(key);
        element.CopyTo(key, star);
        pattern.AsSpan(star + 1, postfixEnd - star - 1).CopyTo(key.AsSpan(star + element.Length));

        var state = ctx.Lookup(key);
        if (fieldAt < 0) return state?.String;
        return state?.Hash?.Get(pattern[fieldAt..]);
    }

    /// <summary>The bytes before the first NUL: what C's string functions see of an argument.</summary>
    static ReadOnlySpan<byte> CString(byte[] arg)
    {
        var nul = Array.IndexOf(arg, (byte)0);
        return nul < 0 ? arg : arg.AsSpan(0, nul);
    }

    static bool Is(byte[] arg, string lower) => Ascii.EqualsIgnoreCase(arg, lower);
}
