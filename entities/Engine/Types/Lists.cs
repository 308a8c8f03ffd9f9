using System.Collections;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// The value of a list key: a double-ended queue of binary-safe elements.
/// <para>
/// Hand-written because .NET has no indexable deque: Queue&lt;T&gt; pops only at one end and
/// cannot be indexed, LinkedList&lt;T&gt; indexes in O(n), List&lt;T&gt; pushes at the head in O(n).
/// Redis lists need O(1) push/pop at both ends (LPUSH/RPOP) and cheap access by index
/// (LINDEX/LSET/LRANGE), so this is a growable circular buffer with a power-of-two capacity:
/// element i lives at <c>items[(head + i) &amp; (capacity - 1)]</c>.
/// </para>
/// </summary>
[JsonConverter(typeof(ListValueJsonConverter))]
public sealed class ListValue : IReadOnlyList<byte[]>
{
    const int MinCapacity = 4;

    /// <summary>Below this capacity the buffer never shrinks (not worth reallocating).</summary>
    const int ShrinkFloor = 64;

    byte[][] items = [];
    int head;
    int count;

    public ListValue() { }

    public ListValue(IEnumerable<byte[]> elements)
    {
        foreach (var e in elements) PushBack(e);
    }

    public int Count => count;

    /// <summary>The buffer's capacity (for tests of growth and shrinking).</summary>
    internal int Capacity => items.Length;

    public byte[] this[int index]
    {
        get
        {
            if ((uint)index >= (uint)count) throw new ArgumentOutOfRangeException(nameof(index));
            return items[(head + index) & (items.Length - 1)];
        }
        set
        {
            if ((uint)index >= (uint)count) throw new ArgumentOutOfRangeException(nameof(index));
            items[(head + index) & (items.Length - 1)] = value;
        }
    }

    public void PushFront(byte[] value)
    {
        if (count == items.Length) Resize(Math.Max(MinCapacity, items.Length * 2));
        head = (head - 1) & (items.Length - 1);
        items[head] = value;
        count++;
    }

    public void PushBack(byte[] value)
    {
        if (count == items.Length) Resize(Math.Max(MinCapacity, items.Length * 2));
        items[(head + count) & (items.Length - 1)] = value;
        count++;
    }

    public byte[] PopFront()
    {
        if (count == 0) throw new InvalidOperationException("the list is empty");
        var value = items[head];
        items[head] = null!; // let the element be collected
        head = (head + 1) & (items.Length - 1);
        count--;
        MaybeShrink();
        return value;
    }

    public byte[] PopBack()
    {
        if (count == 0) throw new InvalidOperationException("the list is empty");
        var slot = (head + count - 1) & (items.Length - 1);
        var value = items[slot];
        items[slot] = null!;
        count--;
        MaybeShrink();
        return value;
    }

    /// <summary>Inserts at <paramref name="index"/> (0..Count), moving the shorter side: O(min(i, n-i)).</summary>
    public void Insert(int index, byte[] value)
    {
        if ((uint)index > (uint)count) throw new ArgumentOutOfRangeException(nameof(index));
        if (index == 0) { PushFront(value); return; }
        if (index == count) { PushBack(value); return; }
        if (count == items.Length) Resize(items.Length * 2);
        var mask = items.Length - 1;
        if (index < count / 2)
        {
            // Open a slot before the head and slide the first `index` elements one step left.
            head = (head - 1) & mask;
            for (var i = 0; i < index; i++) items[(head + i) & mask] = items[(head + i + 1) & mask];
        }
        else
        {
            for (var i = count; i > index; i--) items[(head + i) & mask] = items[(head + i - 1) & mask];
        }
        items[(head + index) & mask] = value;
        count++;
    }

    /// <summary>Removes the element at <paramref name="index"/>, moving the shorter side.</summary>
    public void RemoveAt(int index)
    {
        if ((uint)index >= (uint)count) throw new ArgumentOutOfRangeException(nameof(index));
        var mask = items.Length - 1;
        if (index < count / 2)
        {
            for (var i = index; i > 0; i--) items[(head + i) & mask] = items[(head + i - 1) & mask];
            items[head] = null!;
            head = (head + 1) & mask;
        }
        else
        {
            for (var i = index; i < count - 1; i++) items[(head + i) & mask] = items[(head + i + 1) & mask];
            items[(head + count - 1) & mask] = null!;
        }
        count--;
        MaybeShrink();
    }

    /// <summary>Drops <paramref name="front"/> elements from the head and <paramref name="back"/> from the tail (LTRIM): O(removed).</summary>
    public void Trim(int front, int back)
    {
        if (front < 0 || back < 0 || front + (long)back > count) throw new ArgumentOutOfRangeException(nameof(front));
        var mask = items.Length - 1;
        for (var i = 0; i < front; i++) items[(head + i) & mask] = null!;
        for (var i = count - back; i < count; i++) items[(head + i) & mask] = null!;
        if (items.Length > 0) head = (head + front) & mask;
        count -= front + back;
        MaybeShrink();
    }

    /// <summary>
    /// LREM: removes elements equal to <paramref name="value"/>, at most <paramref name="limit"/>
    /// of them (0 = all), scanning from the tail when <paramref name="fromTail"/>. One compacting
    /// pass, O(n).
    /// </summary>
    public int Remove(ReadOnlySpan<byte> value, long limit, bool fromTail)
    {
        var mask = items.Length - 1;
        var removed = 0;
        if (!fromTail)
        {
            var w = 0;
            for (var r = 0; r < count; r++)
            {
                var e = items[(head + r) & mask];
                if ((limit == 0 || removed < limit) && e.AsSpan().SequenceEqual(value)) { removed++; continue; }
                if (w != r) items[(head + w) & mask] = e;
                w++;
            }
            for (var i = w; i < count; i++) items[(head + i) & mask] = null!;
        }
        else
        {
            var w = count - 1;
            for (var r = count - 1; r >= 0; r--)
            {
                var e = items[(head + r) & mask];
                if ((limit == 0 || removed < limit) && e.AsSpan().SequenceEqual(value)) { removed++; continue; }
                if (w != r) items[(head + w) & mask] = e;
                w--;
            }
            for (var i = 0; i < removed; i++) items[(head + i) & mask] = null!;
            if (items.Length > 0) head = (head + removed) & mask;
        }
        count -= removed;
        if (removed > 0) MaybeShrink();
        return removed;
    }

    public ListValue Clone()
    {
        var copy = new ListValue();
        if (count == 0) return copy;
        copy.items = new byte[CapacityFor(count)][];
        CopyTo(copy.items);
        copy.count = count;
        return copy;
    }

    public Enumerator GetEnumerator() => new(this);
    IEnumerator<byte[]> IEnumerable<byte[]>.GetEnumerator() => GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public struct Enumerator(ListValue list) : IEnumerator<byte[]>
    {
        int i = -1;
        public readonly byte[] Current => list[i];
        readonly object IEnumerator.Current => Current;
        public bool MoveNext() => ++i < list.count;
        public void Reset() => i = -1;
        public readonly void Dispose() { }
    }

    /// <summary>Halves the buffer when it is a quarter full, so a drained list gives memory back (amortized O(1)).</summary>
    void MaybeShrink()
    {
        if (items.Length > ShrinkFloor && count <= items.Length / 4) Resize(Math.Max(ShrinkFloor, CapacityFor(count) * 2));
    }

    void Resize(int capacity)
    {
        var next = new byte[capacity][];
        CopyTo(next);
        items = next;
        head = 0;
    }

    /// <summary>Copies the elements in order to the start of <paramref name="target"/> (at most two block copies).</summary>
    void CopyTo(byte[][] target)
    {
        if (count == 0) return;
        var firstRun = Math.Min(count, items.Length - head);
        Array.Copy(items, head, target, 0, firstRun);
        Array.Copy(items, 0, target, firstRun, count - firstRun);
    }

    static int CapacityFor(int n) => n <= MinCapacity ? MinCapacity : (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)n);
}

/// <summary>A list is a JSON array of its elements, each written as <see cref="BytesJsonConverter"/> writes bytes.</summary>
public sealed class ListValueJsonConverter : JsonConverter<ListValue>
{
    static readonly BytesJsonConverter Element = new();

    public override ListValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected a list as a JSON array");
        var list = new ListValue();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            list.PushBack(Element.Read(ref reader, typeof(byte[]), options));
        return list;
    }

    public override void Write(Utf8JsonWriter writer, ListValue value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var e in value) Element.Write(writer, e, options);
        writer.WriteEndArray();
    }
}

/// <summary>The list commands (t_list.c), Redis 7.0's replies and argument checking order.</summary>
public static class Lists
{
    const string RankZero = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
    const string CountNegative = "ERR COUNT can't be negative";
    const string MaxLenNegative = "ERR MAXLEN can't be negative";

    public static Reply LPush(CommandContext ctx, byte[][] args) => Push(ctx, args, front: true, onlyIfExists: false);
    public static Reply RPush(CommandContext ctx, byte[][] args) => Push(ctx, args, front: false, onlyIfExists: false);
    public static Reply LPushX(CommandContext ctx, byte[][] args) => Push(ctx, args, front: true, onlyIfExists: true);
    public static Reply RPushX(CommandContext ctx, byte[][] args) => Push(ctx, args, front: false, onlyIfExists: true);

    static Reply Push(CommandContext ctx, byte[][] args, bool front, bool onlyIfExists)
    {
        var state = ctx.Lookup(args[1], RedisType.List);
        if (state is null)
        {
            if (onlyIfExists) return Reply.Zero;
            state = new KeyState { List = new ListValue() };
        }
        var list = state.List!;
        for (var i = 2; i < args.Length; i++)
        {
            if (front) list.PushFront(args[i]);
            else list.PushBack(args[i]);
        }
        ctx.Modified(args[1], state);
        ctx.Notify('l', front ? "lpush" : "rpush", args[1]);
        return Reply.Integer(list.Count);
    }

    public static Reply LPop(CommandContext ctx, byte[][] args) => Pop(ctx, args, front: true);
    public static Reply RPop(CommandContext ctx, byte[][] args) => Pop(ctx, args, front: false);

    /// <summary>
    /// LPOP/RPOP key [count]: the count is parsed before the key is looked up; a missing key is a
    /// nil bulk without count and a nil array with one; count 0 on a list is an empty array.
    /// </summary>
    static Reply Pop(CommandContext ctx, byte[][] args, bool front)
    {
        if (args.Length > 3) throw new RedisException(Errors.WrongArity(front ? "lpop" : "rpop"));
        var hasCount = args.Length == 3;
        long count = 0;
        if (hasCount && (!Numbers.TryParseLong(args[2], out count) || count < 0))
            throw new RedisException(Errors.NotPositive);

        var state = ctx.Lookup(args[1], RedisType.List);
        if (state is null) return hasCount ? Reply.NilArray : Reply.Nil;
        var list = state.List!;
        if (list.Count == 0) return hasCount ? Reply.NilArray : Reply.Nil; // only a stale empty value
        if (hasCount && count == 0) return Reply.EmptyArray;

        Reply reply;
        if (!hasCount)
        {
            reply = Reply.Bulk(front ? list.PopFront() : list.PopBack());
        }
        else
        {
            var popped = new Reply[(int)Math.Min(count, list.Count)];
            for (var i = 0; i < popped.Length; i++) popped[i] = Reply.Bulk(front ? list.PopFront() : list.PopBack());
            reply = Reply.Array(popped);
        }
        ctx.Modified(args[1], state);
        Removed(ctx, args[1], state, front ? "lpop" : "rpop");
        return reply;
    }

    public static Reply LRange(CommandContext ctx, byte[][] args)
    {
        var start = Numbers.ParseLong(args[2]);
        var end = Numbers.ParseLong(args[3]);
        var list = ctx.Lookup(args[1], RedisType.List)?.List;
        if (list is null) return Reply.EmptyArray;

        long n = list.Count;
        if (start < 0) start += n;
        if (end < 0) end += n;
        if (start < 0) start = 0;
        if (start > end || start >= n) return Reply.EmptyArray;
        if (end >= n) end = n - 1;

        var items = new Reply[end - start + 1];
        for (var i = 0; i < items.Length; i++) items[i] = Reply.Bulk(list[(int)start + i]);
        return Reply.Array(items);
    }

    public static Reply LTrim(CommandContext ctx, byte[][] args)
    {
        var start = Numbers.ParseLong(args[2]);
        var end = Numbers.ParseLong(args[3]);
        var state = ctx.Lookup(args[1], RedisType.List);
        if (state is null) return Reply.Ok;
        var list = state.List!;

        long n = list.Count, front, back;
        if (start < 0) start += n;
        if (end < 0) end += n;
        if (start < 0) start = 0;
        if (start > end || start >= n)
        {
            front = n;
            back = 0;
        }
        else
        {
            if (end >= n) end = n - 1;
            front = start;
            back = n - end - 1;
        }
        list.Trim((int)front, (int)back);
        ctx.Modified(args[1], state);
        Removed(ctx, args[1], state, "ltrim");
        return Reply.Ok;
    }

    public static Reply LLen(CommandContext ctx, byte[][] args) =>
        Reply.Integer(ctx.Lookup(args[1], RedisType.List)?.List!.Count ?? 0);

    /// <summary>LINDEX looks the key up before it parses the index (a missing key answers nil whatever the index).</summary>
    public static Reply LIndex(CommandContext ctx, byte[][] args)
    {
        var list = ctx.Lookup(args[1], RedisType.List)?.List;
        if (list is null) return Reply.Nil;
        var index = Numbers.ParseLong(args[2]);
        if (index < 0) index += list.Count;
        return index >= 0 && index < list.Count ? Reply.Bulk(list[(int)index]) : Reply.Nil;
    }

    public static Reply LSet(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.List) ?? throw new RedisException(Errors.NoSuchKey);
        var list = state.List!;
        var index = Numbers.ParseLong(args[2]);
        if (index < 0) index += list.Count;
        if (index < 0 || index >= list.Count) throw new RedisException(Errors.IndexOutOfRange);
        list[(int)index] = args[3];
        ctx.Modified(args[1], state);
        ctx.Notify('l', "lset", args[1]);
        return Reply.Ok;
    }

    /// <summary>LREM key count element: count &gt; 0 from the head, &lt; 0 from the tail, 0 all.</summary>
    public static Reply LRem(CommandContext ctx, byte[][] args)
    {
        var count = Numbers.ParseLong(args[2]);
        var state = ctx.Lookup(args[1], RedisType.List);
        if (state is null) return Reply.Zero;
        // |long.MinValue| does not fit a long; any limit beyond the list's length means "all it finds".
        var limit = count == long.MinValue ? long.MaxValue : Math.Abs(count);
        var removed = state.List!.Remove(args[3], limit, fromTail: count < 0);
        if (removed > 0)
        {
            ctx.Modified(args[1], state);
            Removed(ctx, args[1], state, "lrem");
        }
        return Reply.Integer(removed);
    }

    public static Reply LInsert(CommandContext ctx, byte[][] args)
    {
        bool after;
        if (Ascii.EqualsIgnoreCase(args[2], "after"u8)) after = true;
        else if (Ascii.EqualsIgnoreCase(args[2], "before"u8)) after = false;
        else throw new RedisException(Errors.Syntax);

        var state = ctx.Lookup(args[1], RedisType.List);
        if (state is null) return Reply.Zero;
        var list = state.List!;
        var pivot = args[3].AsSpan();
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].AsSpan().SequenceEqual(pivot)) continue;
            list.Insert(after ? i + 1 : i, args[4]);
            ctx.Modified(args[1], state);
            ctx.Notify('l', "linsert", args[1]);
            return Reply.Integer(list.Count);
        }
        return Reply.Integer(-1);
    }

    /// <summary>
    /// LPOS key element [RANK rank] [COUNT num] [MAXLEN len]. The arithmetic is unchecked on
    /// purpose: Redis negates RANK -9223372036854775808 into itself, and then every match counts.
    /// </summary>
    public static Reply LPos(CommandContext ctx, byte[][] args)
    {
        long rank = 1, count = -1, maxlen = 0;
        for (var j = 3; j < args.Length; j++)
        {
            var moreArgs = j < args.Length - 1;
            if (moreArgs && Ascii.EqualsIgnoreCase(args[j], "rank"u8))
            {
                rank = Numbers.ParseLong(args[++j]);
                if (rank == 0) throw new RedisException(RankZero);
            }
            else if (moreArgs && Ascii.EqualsIgnoreCase(args[j], "count"u8))
            {
                if (!Numbers.TryParseLong(args[++j], out count) || count < 0) throw new RedisException(CountNegative);
            }
            else if (moreArgs && Ascii.EqualsIgnoreCase(args[j], "maxlen"u8))
            {
                if (!Numbers.TryParseLong(args[++j], out maxlen) || maxlen < 0) throw new RedisException(MaxLenNegative);
            }
            else
            {
                throw new RedisException(Errors.Syntax);
            }
        }

        var fromTail = rank < 0;
        if (fromTail) rank = unchecked(-rank);

        var list = ctx.Lookup(args[1], RedisType.List)?.List;
        if (list is null) return count != -1 ? Reply.EmptyArray : Reply.Nil;

        var element = args[2].AsSpan();
        List<Reply>? found = count != -1 ? [] : null;
        long n = list.Count, matches = 0;
        for (long index = 0; index < n && (maxlen == 0 || index < maxlen); index++)
        {
            var position = fromTail ? n - index - 1 : index;
            if (!list[(int)position].AsSpan().SequenceEqual(element)) continue;
            matches++;
            if (matches < rank) continue;
            if (found is null) return Reply.Integer(position);
            found.Add(Reply.Integer(position));
            if (count != 0 && unchecked(matches - rank + 1) >= count) break;
        }
        return found is null ? Reply.Nil : Reply.Array(found);
    }

    public static Reply LMove(CommandContext ctx, byte[][] args)
    {
        var fromLeft = !IsRight(args[3]);
        var toLeft = !IsRight(args[4]);
        return Move(ctx, args[1], args[2], fromLeft, toLeft);
    }

    public static Reply RPopLPush(CommandContext ctx, byte[][] args) => Move(ctx, args[1], args[2], fromLeft: false, toLeft: true);

    /// <summary>getListPositionFromObjectOrReply: RIGHT is true, LEFT false, anything else a syntax error.</summary>
    public static bool IsRight(byte[] arg) =>
        Ascii.EqualsIgnoreCase(arg, "right"u8) ? true :
        Ascii.EqualsIgnoreCase(arg, "left"u8) ? false :
        throw new RedisException(Errors.Syntax);

    // ------------------------------------------------------------------ LMPOP and the blocking pops

    /// <summary>LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]: [key, elements] from the first non-empty list, else nil.</summary>
    public static Reply LMPop(CommandContext ctx, byte[][] args) => MultiPop(ctx, args, MultiPopArgs.Parse(args, 1, IsRight));

    /// <summary>BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: LMPOP's answer; the timeout is checked after the rest.</summary>
    public static Reply BLMPop(CommandContext ctx, byte[][] args) => MultiPop(ctx, args, MultiPopArgs.ParseBlocking(args, IsRight, out _));

    static Reply MultiPop(CommandContext ctx, byte[][] args, MultiPopArgs request)
    {
        foreach (var key in request.Keys(args))
        {
            var state = ctx.Lookup(key, RedisType.List);
            if (state is null || state.List!.Count == 0) continue;
            var list = state.List;
            var popped = new Reply[(int)Math.Min(request.Count, list.Count)];
            for (var i = 0; i < popped.Length; i++) popped[i] = Reply.Bulk(request.FromEnd ? list.PopBack() : list.PopFront());
            ctx.Modified(key, state);
            Removed(ctx, key, state, request.FromEnd ? "rpop" : "lpop");
            return Reply.Array([Reply.Bulk(key), Reply.Array(popped)]);
        }
        return Reply.NilArray;
    }

    public static Reply BLPop(CommandContext ctx, byte[][] args) => BlockingPop(ctx, args, fromEnd: false);
    public static Reply BRPop(CommandContext ctx, byte[][] args) => BlockingPop(ctx, args, fromEnd: true);

    /// <summary>BLPOP/BRPOP key [key ...] timeout: [key, element] from the first non-empty list, else nil.</summary>
    static Reply BlockingPop(CommandContext ctx, byte[][] args, bool fromEnd)
    {
        BlockingRequest.ParseTimeout(args[^1]);
        for (var i = 1; i < args.Length - 1; i++)
        {
            var state = ctx.Lookup(args[i], RedisType.List);
            if (state is null || state.List!.Count == 0) continue;
            var value = fromEnd ? state.List.PopBack() : state.List.PopFront();
            ctx.Modified(args[i], state);
            Removed(ctx, args[i], state, fromEnd ? "rpop" : "lpop");
            return Reply.Array([Reply.Bulk(args[i]), Reply.Bulk(value)]);
        }
        return Reply.NilArray;
    }

    /// <summary>BRPOPLPUSH source destination timeout: RPOPLPUSH's answer (nil when the source is empty).</summary>
    public static Reply BRPopLPush(CommandContext ctx, byte[][] args)
    {
        BlockingRequest.ParseTimeout(args[3]);
        return Move(ctx, args[1], args[2], fromLeft: false, toLeft: true);
    }

    /// <summary>BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout: LMOVE's answer (nil when the source is empty).</summary>
    public static Reply BLMove(CommandContext ctx, byte[][] args)
    {
        ParseBlockingMove(args);
        return Move(ctx, args[1], args[2], fromLeft: !IsRight(args[3]), toLeft: !IsRight(args[4]));
    }

    /// <summary>blmoveCommand's checks: both ends, then the timeout.</summary>
    internal static BlockingRequest ParseBlockingMove(byte[][] args)
    {
        IsRight(args[3]);
        IsRight(args[4]);
        return new BlockingRequest([args[1]], RedisType.List, BlockingRequest.ParseTimeout(args[5]));
    }

    /// <summary>
    /// LMOVE/RPOPLPUSH: a missing source answers nil without looking at the destination; a
    /// destination of another type fails before anything is popped. Same key = rotation.
    /// </summary>
    static Reply Move(CommandContext ctx, byte[] sourceKey, byte[] destinationKey, bool fromLeft, bool toLeft)
    {
        var source = ctx.Lookup(sourceKey, RedisType.List);
        if (source is null || source.List!.Count == 0) return Reply.Nil;
        var sameKey = Bytes.Comparer.Equals(sourceKey, destinationKey);
        var destination = sameKey ? source : ctx.Lookup(destinationKey, RedisType.List);

        var value = fromLeft ? source.List.PopFront() : source.List.PopBack();
        destination ??= new KeyState { List = new ListValue() };
        if (toLeft) destination.List!.PushFront(value);
        else destination.List!.PushBack(value);

        ctx.Modified(destinationKey, destination);
        if (!sameKey) ctx.Modified(sourceKey, source);
        ctx.Notify('l', toLeft ? "lpush" : "rpush", destinationKey); // lmoveHandlePush, then the pop
        Removed(ctx, sourceKey, source, fromLeft ? "lpop" : "rpop");
        return Reply.Bulk(value);
    }

    /// <summary>Redis's events after elements left a list: the command's, then "del" if it emptied (and so was deleted).</summary>
    static void Removed(CommandContext ctx, byte[] key, KeyState state, string name)
    {
        ctx.Notify('l', name, key);
        if (state.IsEmpty) ctx.Notify('g', "del", key);
    }
}
