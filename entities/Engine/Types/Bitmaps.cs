using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// The bitmap commands of Redis 7.0 (bitops.c), on string values: bit 0 is the most significant
/// bit of byte 0, and a string reads as zero bits past its end. Values are immutable byte[]
/// (states may share them after COPY), so a change builds a new array. BITOP also takes Redis
/// 8.2's DIFF, DIFF1, ANDOR and ONE.
/// </summary>
public static class Bitmaps
{
    const string BitOffsetError = "ERR bit offset is not an integer or out of range";
    const string BitValueError = "ERR bit is not an integer or out of range";
    const string BitArgumentError = "ERR The bit argument must be 1 or 0.";
    const string BitfieldTypeError = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
    const string OverflowTypeError = "ERR Invalid OVERFLOW type specified";
    const string BitfieldRoWrites = "ERR BITFIELD_RO only supports the GET subcommand";
    const string NotSingleSource = "ERR BITOP NOT must be called with a single source key.";

    static bool Is(byte[] arg, string word) => Ascii.EqualsIgnoreCase(arg, word);

    // ------------------------------------------------------------------ offsets and growth

    /// <summary>
    /// getBitOffsetFromArgument: a non-negative integer whose byte lies within
    /// proto-max-bulk-len; BITFIELD's "#n" means n times the field's width (multiplied as C does,
    /// wrapping, so a huge n fails the range check rather than the parse).
    /// </summary>
    static ulong ParseBitOffset(byte[] arg, int hashWidth = 0)
    {
        var useHash = hashWidth > 0 && arg.Length > 0 && arg[0] == '#';
        if (!Numbers.TryParseLong(useHash ? arg.AsSpan(1) : arg, out var offset)) throw new RedisException(BitOffsetError);
        if (useHash) offset = unchecked(offset * hashWidth);
        if (offset < 0 || (offset >> 3) >= Strings.MaxStringLength) throw new RedisException(BitOffsetError);
        return (ulong)offset;
    }

    /// <summary>
    /// lookupStringForBitCommand's padding: the bytes in a fresh array the caller may write, long
    /// enough to address <paramref name="maxBit"/>; <paramref name="grown"/> when that made it
    /// longer (Redis counts a new or padded key as changed even if no bit flips).
    /// </summary>
    static byte[] Writable(byte[]? current, ulong maxBit, out bool grown)
    {
        current ??= [];
        var needed = (long)(maxBit >> 3) + 1;
        if (needed > Strings.MaxStoredLength) throw new RedisException(Strings.StringTooLong);
        grown = current.Length < needed;
        var bytes = new byte[Math.Max(current.Length, needed)];
        current.CopyTo(bytes, 0);
        return bytes;
    }

    static bool ReadBit(ReadOnlySpan<byte> bits, ulong offset)
    {
        var index = offset >> 3;
        return index < (ulong)bits.Length && (bits[(int)index] & (0x80 >> (int)(offset & 7))) != 0;
    }

    static void WriteBit(Span<byte> bits, ulong offset, bool on)
    {
        var mask = (byte)(0x80 >> (int)(offset & 7));
        ref var b = ref bits[(int)(offset >> 3)];
        b = on ? (byte)(b | mask) : (byte)(b & ~mask);
    }

    // ------------------------------------------------------------------ SETBIT / GETBIT

    /// <summary>SETBIT key offset 0|1: the bit's old value.</summary>
    public static Reply SetBit(CommandContext ctx, byte[][] args)
    {
        var key = args[1];
        var offset = ParseBitOffset(args[2]);
        if (!Numbers.TryParseLong(args[3], out var on) || (on & ~1L) != 0) throw new RedisException(BitValueError);
        var state = ctx.Lookup(key, RedisType.String);
        var current = state?.String ?? [];
        var old = ReadBit(current, offset);
        if ((long)(offset >> 3) >= current.Length || old != (on == 1))
        {
            var bytes = Writable(current, offset, out _);
            WriteBit(bytes, offset, on == 1);
            Strings.Store(ctx, key, state, bytes, "raw");
            ctx.Notify('$', "setbit", key);
        }
        return Reply.Integer(old);
    }

    /// <summary>GETBIT key offset: 0 past the end of the string or for a missing key.</summary>
    public static Reply GetBit(CommandContext ctx, byte[][] args)
    {
        var offset = ParseBitOffset(args[2]);
        var bits = ctx.Lookup(args[1], RedisType.String)?.String;
        return Reply.Integer(bits is not null && ReadBit(bits, offset));
    }

    // ------------------------------------------------------------------ BITCOUNT / BITPOS

    /// <summary>
    /// A BITCOUNT/BITPOS range after Redis's index rules, as bytes [Start, End] plus the masks of
    /// the bits outside a BIT range in its first and last byte (zero for BYTE ranges).
    /// </summary>
    readonly record struct BitRange(long Start, long End, byte FirstMask, byte LastMask);

    /// <summary>
    /// The shared index arithmetic of bitcountCommand and bitposCommand: negative indexes count
    /// from the end (in bits for BIT), both ends are clamped, and a BIT range becomes bytes plus
    /// edge masks.
    /// </summary>
    static BitRange Clamp(long start, long end, long byteLength, bool isBit)
    {
        var total = isBit ? byteLength << 3 : byteLength;
        if (start < 0) start = total + start;
        if (end < 0) end = total + end;
        if (start < 0) start = 0;
        if (end < 0) end = 0;
        if (end >= total) end = total - 1;
        if (!isBit || start > end) return new BitRange(start, end, 0, 0);
        var first = (byte)(~((1 << (8 - (int)(start & 7))) - 1) & 0xFF);
        var last = (byte)((1 << (7 - (int)(end & 7))) - 1);
        return new BitRange(start >> 3, end >> 3, first, last);
    }

    static bool ParseBitOrByte(byte[] arg) =>
        Is(arg, "bit") ? true : Is(arg, "byte") ? false : throw new RedisException(Errors.Syntax);

    /// <summary>BITCOUNT key [start end [BYTE|BIT]]: a missing key answers 0 before the range is read, as in Redis 7.0.</summary>
    public static Reply BitCount(CommandContext ctx, byte[][] args)
    {
        var state = ctx.Lookup(args[1], RedisType.String);
        if (state is null) return Reply.Zero;
        var bits = state.String!;
        BitRange range;
        if (args.Length is 4 or 5)
        {
            var start = Numbers.ParseLong(args[2]);
            var end = Numbers.ParseLong(args[3]);
            if (start < 0 && end < 0 && start > end) return Reply.Zero;
            var isBit = args.Length == 5 && ParseBitOrByte(args[4]);
            range = Clamp(start, end, bits.Length, isBit);
        }
        else if (args.Length == 2) range = new BitRange(0, bits.Length - 1, 0, 0);
        else throw new RedisException(Errors.Syntax);

        if (range.Start > range.End) return Reply.Zero;
        var count = PopCount(bits.AsSpan((int)range.Start, (int)(range.End - range.Start + 1)));
        // The edge bytes were counted whole: take back their bits outside the BIT range.
        count -= BitOperations.PopCount((uint)(bits[range.Start] & range.FirstMask));
        count -= BitOperations.PopCount((uint)(bits[range.End] & range.LastMask));
        return Reply.Integer(count);
    }

    static long PopCount(ReadOnlySpan<byte> bytes)
    {
        long count = 0;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (var w in words) count += BitOperations.PopCount(w);
        foreach (var b in bytes[(words.Length * 8)..]) count += BitOperations.PopCount((uint)b);
        return count;
    }

    /// <summary>
    /// redisBitpos: the position of the first <paramref name="bit"/> in the bytes; when there is
    /// none, -1 looking for a 1 and the length in bits looking for a 0 (the string reads as
    /// zero-padded to the right).
    /// </summary>
    static long FirstBit(ReadOnlySpan<byte> bytes, bool bit)
    {
        var skip = bit ? (byte)0 : (byte)0xFF;
        var at = bytes.IndexOfAnyExcept(skip);
        if (at < 0) return bit ? -1 : (long)bytes.Length << 3;
        var b = bit ? bytes[at] : (byte)~bytes[at];
        return ((long)at << 3) + BitOperations.LeadingZeroCount((uint)b) - 24;
    }

    /// <summary>BITPOS key bit [start [end [BYTE|BIT]]]: bitposCommand, edge masks and all.</summary>
    public static Reply BitPos(CommandContext ctx, byte[][] args)
    {
        var bitArg = Numbers.ParseLong(args[2]);
        if (bitArg is not (0 or 1)) throw new RedisException(BitArgumentError);
        var bit = bitArg == 1;
        var state = ctx.Lookup(args[1], RedisType.String);
        if (state is null) return Reply.Integer(bit ? -1 : 0);
        var p = state.String!;

        BitRange range;
        var endGiven = false;
        if (args.Length is 4 or 5 or 6)
        {
            var start = Numbers.ParseLong(args[3]);
            var isBit = args.Length == 6 && ParseBitOrByte(args[5]);
            long end;
            if (args.Length >= 5)
            {
                end = Numbers.ParseLong(args[4]);
                endGiven = true;
            }
            else end = isBit ? ((long)p.Length << 3) + 7 : p.Length - 1;
            range = Clamp(start, end, p.Length, isBit);
        }
        else if (args.Length == 3) range = new BitRange(0, p.Length - 1, 0, 0);
        else throw new RedisException(Errors.Syntax);

        // An empty range holds neither a 0 nor a 1.
        if (range.Start > range.End) return Reply.Integer(-1);
        var first = range.Start;
        var bytes = range.End - range.Start + 1;
        long pos;
        // The steps of bitposCommand, kept as they are: the first byte masked, the whole bytes
        // between, the last byte masked; each step may settle the answer.
        if (range.FirstMask != 0)
        {
            var edge = Masked(p[first], range.FirstMask, bit);
            if (range.LastMask != 0 && bytes == 1) edge = Masked(edge, range.LastMask, bit);
            pos = FirstBit([edge], bit);
            if (bytes == 1 || (pos != -1 && pos != 8)) return Result(pos);
            first++;
            bytes--;
        }
        var whole = bytes - (range.LastMask != 0 ? 1 : 0);
        if (whole > 0)
        {
            pos = FirstBit(p.AsSpan((int)first, (int)whole), bit);
            if (bytes == whole || (pos != -1 && pos != whole << 3)) return Result(pos);
            first += whole;
            bytes -= whole;
        }
        pos = FirstBit([Masked(p[range.End], range.LastMask, bit)], bit);
        return Result(pos);

        // Bits outside the range are made the opposite of the bit looked for.
        static byte Masked(byte b, byte outside, bool lookingForOne) =>
            lookingForOne ? (byte)(b & ~outside) : (byte)(b | outside);

        Reply Result(long found)
        {
            // With an explicit end, the right of the range is not zero padding: no 0 found is -1.
            if (endGiven && !bit && found == bytes << 3) return Reply.Integer(-1);
            return Reply.Integer(found == -1 ? -1 : found + (first << 3));
        }
    }

    // ------------------------------------------------------------------ BITOP

    enum BitOp { And, Or, Xor, Not, Diff, Diff1, AndOr, One }

    /// <summary>
    /// BITOP op destkey key [key ...]: the result is as long as the longest source (shorter ones
    /// and missing keys read as zeros); an empty result deletes destkey. DIFF (X and none of the
    /// others), DIFF1 (any of the others and not X), ANDOR (X and any of the others) and ONE
    /// (exactly one source) are Redis 8.2's, with its errors.
    /// </summary>
    public static Reply BitOpCommand(CommandContext ctx, byte[][] args)
    {
        var op = Is(args[1], "and") ? BitOp.And : Is(args[1], "or") ? BitOp.Or : Is(args[1], "xor") ? BitOp.Xor
            : Is(args[1], "not") ? BitOp.Not : Is(args[1], "diff") ? BitOp.Diff : Is(args[1], "diff1") ? BitOp.Diff1
            : Is(args[1], "andor") ? BitOp.AndOr : Is(args[1], "one") ? BitOp.One
            : throw new RedisException(Errors.Syntax);
        if (op == BitOp.Not && args.Length != 4) throw new RedisException(NotSingleSource);
        if (op is BitOp.Diff or BitOp.Diff1 or BitOp.AndOr && args.Length < 5)
            throw new RedisException($"ERR BITOP {op.ToString().ToUpperInvariant()} must be called with at least two source keys.");

        var sources = new byte[args.Length - 3][];
        var maxLength = 0;
        for (var j = 0; j < sources.Length; j++)
        {
            sources[j] = ctx.Lookup(args[j + 3], RedisType.String)?.String ?? [];
            maxLength = Math.Max(maxLength, sources[j].Length);
        }

        var destination = args[2];
        if (maxLength == 0)
        {
            if (ctx.Delete(destination)) ctx.Notify('g', "del", destination);
            return Reply.Zero;
        }
        var result = KeyState.OfString(Combine(op, sources, maxLength));
        Objects.HoldString(result, "raw"); // bitop.c: createObject(OBJ_STRING, res), never int or embstr
        ctx.Replace(destination, result);
        ctx.Notify('$', "set", destination);
        return Reply.Integer(maxLength);
    }

    /// <summary>Byte for byte what bitopCommand computes, a whole span at a time.</summary>
    static byte[] Combine(BitOp op, byte[][] sources, int length)
    {
        var result = new byte[length];
        var first = sources[0];
        switch (op)
        {
            case BitOp.Not:
                Apply(result, first, static (_, b) => ~b);
                break;
            case BitOp.And:
                first.CopyTo(result, 0);
                foreach (var s in sources.AsSpan(1))
                {
                    Apply(result, s, static (r, b) => r & b);
                    result.AsSpan(s.Length).Clear(); // past a shorter source, AND with zeros
                }
                break;
            case BitOp.Or or BitOp.Xor:
                first.CopyTo(result, 0);
                foreach (var s in sources.AsSpan(1))
                    if (op == BitOp.Or) Apply(result, s, static (r, b) => r | b);
                    else Apply(result, s, static (r, b) => r ^ b);
                break;
            case BitOp.One:
            {
                // Bits seen in two or more sources so far can never be set again.
                var common = new byte[length];
                first.CopyTo(result, 0);
                foreach (var s in sources.AsSpan(1))
                {
                    Apply(common.AsSpan(0, s.Length), result.AsSpan(0, s.Length), s, static (c, r, b) => c | (r & b));
                    Apply(result, s, static (r, b) => r ^ b);
                    Apply(result, common, static (r, c) => r & ~c);
                }
                break;
            }
            default:
                // DIFF, DIFF1, ANDOR: the union of the other sources, then combined with the first
                // (zeros past its end: DIFF1 keeps the union there, DIFF and ANDOR nothing).
                foreach (var s in sources.AsSpan(1)) Apply(result, s, static (r, b) => r | b);
                if (op == BitOp.Diff1) Apply(result, first, static (union, x) => ~x & union);
                else
                {
                    if (op == BitOp.Diff) Apply(result, first, static (union, x) => x & ~union);
                    else Apply(result, first, static (union, x) => x & union);
                    result.AsSpan(first.Length).Clear();
                }
                break;
        }
        return result;
    }

    /// <summary>into[i] = f(into[i], other[i]) over other's length, eight bytes at a time.</summary>
    static void Apply(Span<byte> into, ReadOnlySpan<byte> other, Func<ulong, ulong, ulong> f)
    {
        var n = Math.Min(into.Length, other.Length);
        var words = n / 8;
        var a = MemoryMarshal.Cast<byte, ulong>(into[..(words * 8)]);
        var b = MemoryMarshal.Cast<byte, ulong>(other[..(words * 8)]);
        for (var i = 0; i < a.Length; i++) a[i] = f(a[i], b[i]);
        for (var i = words * 8; i < n; i++) into[i] = (byte)f(into[i], other[i]);
    }

    /// <summary>into[i] = f(into[i], x[i], y[i]) over into's length.</summary>
    static void Apply(Span<byte> into, ReadOnlySpan<byte> x, ReadOnlySpan<byte> y, Func<ulong, ulong, ulong, ulong> f)
    {
        var words = into.Length / 8;
        var a = MemoryMarshal.Cast<byte, ulong>(into[..(words * 8)]);
        var b = MemoryMarshal.Cast<byte, ulong>(x[..(words * 8)]);
        var c = MemoryMarshal.Cast<byte, ulong>(y[..(words * 8)]);
        for (var i = 0; i < a.Length; i++) a[i] = f(a[i], b[i], c[i]);
        for (var i = words * 8; i < into.Length; i++) into[i] = (byte)f(into[i], x[i], y[i]);
    }

    // ------------------------------------------------------------------ BITFIELD

    enum Overflow { Wrap, Sat, Fail }

    enum FieldOp { Get, Set, IncrBy }

    readonly record struct BitfieldOp(FieldOp Op, ulong Offset, long Value, Overflow Overflow, int Bits, bool Signed);

    public static Reply Bitfield(CommandContext ctx, byte[][] args) => BitfieldGeneric(ctx, args, readOnlyCommand: false);

    public static Reply BitfieldRo(CommandContext ctx, byte[][] args) => BitfieldGeneric(ctx, args, readOnlyCommand: true);

    /// <summary>
    /// BITFIELD key [GET type offset | SET type offset value | INCRBY type offset incr | OVERFLOW
    /// WRAP|SAT|FAIL]...: every subcommand is parsed (and refused) before any runs; then each runs
    /// in order, a failed overflow answering nil and writing nothing.
    /// </summary>
    static Reply BitfieldGeneric(CommandContext ctx, byte[][] args, bool readOnlyCommand)
    {
        var ops = new List<BitfieldOp>();
        var overflow = Overflow.Wrap;
        var writes = false;
        ulong highestWrite = 0;
        for (var j = 2; j < args.Length; j++)
        {
            var remaining = args.Length - j - 1;
            FieldOp op;
            if (Is(args[j], "get") && remaining >= 2) op = FieldOp.Get;
            else if (Is(args[j], "set") && remaining >= 3) op = FieldOp.Set;
            else if (Is(args[j], "incrby") && remaining >= 3) op = FieldOp.IncrBy;
            else if (Is(args[j], "overflow") && remaining >= 1)
            {
                var type = args[++j];
                overflow = Is(type, "wrap") ? Overflow.Wrap : Is(type, "sat") ? Overflow.Sat
                    : Is(type, "fail") ? Overflow.Fail : throw new RedisException(OverflowTypeError);
                continue;
            }
            else throw new RedisException(Errors.Syntax);

            var (signed, bits) = ParseFieldType(args[j + 1]);
            var offset = ParseBitOffset(args[j + 2], bits);
            long value = 0;
            if (op != FieldOp.Get)
            {
                writes = true;
                highestWrite = Math.Max(highestWrite, offset + (ulong)bits - 1);
                value = Numbers.ParseLong(args[j + 3]);
            }
            ops.Add(new BitfieldOp(op, offset, value, overflow, bits, signed));
            j += op == FieldOp.Get ? 2 : 3;
        }

        var key = args[1];
        if (writes && readOnlyCommand) throw new RedisException(BitfieldRoWrites);
        var state = ctx.Lookup(key, RedisType.String);
        var grown = false;
        var buffer = writes ? Writable(state?.String, highestWrite, out grown) : state?.String ?? [];

        var replies = new Reply[ops.Count];
        var changes = 0;
        for (var i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if (op.Op == FieldOp.Get)
            {
                replies[i] = Reply.Integer(op.Signed ? GetSigned(buffer, op.Offset, op.Bits) : (long)GetUnsigned(buffer, op.Offset, op.Bits));
                continue;
            }
            long oldValue, newValue, reply;
            int overflowed;
            if (op.Signed)
            {
                oldValue = GetSigned(buffer, op.Offset, op.Bits);
                if (op.Op == FieldOp.IncrBy)
                {
                    overflowed = SignedOverflow(oldValue, op.Value, op.Bits, op.Overflow, out var limit);
                    newValue = overflowed != 0 ? limit : unchecked(oldValue + op.Value);
                    reply = newValue;
                }
                else
                {
                    overflowed = SignedOverflow(op.Value, 0, op.Bits, op.Overflow, out var limit);
                    newValue = overflowed != 0 ? limit : op.Value;
                    reply = oldValue;
                }
            }
            else
            {
                var old = GetUnsigned(buffer, op.Offset, op.Bits);
                oldValue = (long)old;
                ulong next;
                if (op.Op == FieldOp.IncrBy)
                {
                    overflowed = UnsignedOverflow(old, op.Value, op.Bits, op.Overflow, out var limit);
                    next = overflowed != 0 ? limit : unchecked(old + (ulong)op.Value);
                    reply = (long)next;
                }
                else
                {
                    overflowed = UnsignedOverflow((ulong)op.Value, 0, op.Bits, op.Overflow, out var limit);
                    next = overflowed != 0 ? limit : (ulong)op.Value;
                    reply = oldValue;
                }
                newValue = (long)next;
            }
            if (overflowed != 0 && op.Overflow == Overflow.Fail)
            {
                replies[i] = Reply.Nil;
                continue;
            }
            replies[i] = Reply.Integer(reply);
            SetField(buffer, op.Offset, op.Bits, (ulong)newValue);
            if (grown || oldValue != newValue) changes++;
        }

        // A key created or padded stays so even when every write failed its overflow check (as in
        // Redis); only an actual change raises the event.
        if (writes && (grown || changes > 0)) Strings.Store(ctx, key, state, buffer, "raw");
        if (changes > 0) ctx.Notify('$', "setbit", key);
        return Reply.Array(replies);
    }

    /// <summary>getBitfieldTypeFromArgument: i1..i64 or u1..u63.</summary>
    static (bool Signed, int Bits) ParseFieldType(byte[] arg)
    {
        if (arg.Length == 0 || arg[0] is not ((byte)'i' or (byte)'u')) throw new RedisException(BitfieldTypeError);
        var signed = arg[0] == 'i';
        if (!Numbers.TryParseLong(arg.AsSpan(1), out var bits) || bits < 1 || bits > (signed ? 64 : 63))
            throw new RedisException(BitfieldTypeError);
        return (signed, (int)bits);
    }

    static ulong GetUnsigned(ReadOnlySpan<byte> p, ulong offset, int bits)
    {
        ulong value = 0;
        for (var j = 0; j < bits; j++) value = (value << 1) | (ReadBit(p, offset + (ulong)j) ? 1UL : 0);
        return value;
    }

    static long GetSigned(ReadOnlySpan<byte> p, ulong offset, int bits)
    {
        var value = (long)GetUnsigned(p, offset, bits);
        // Two's complement: a set top bit extends into the unused high bits.
        if (bits < 64 && (value & (1L << (bits - 1))) != 0) value |= -1L << bits;
        return value;
    }

    static void SetField(Span<byte> p, ulong offset, int bits, ulong value)
    {
        for (var j = 0; j < bits; j++) WriteBit(p, offset + (ulong)j, (value & (1UL << (bits - 1 - j))) != 0);
    }

    /// <summary>
    /// checkUnsignedBitfieldOverflow, in C's unsigned arithmetic: 1 above the maximum, -1 below
    /// zero, 0 when the sum fits; <paramref name="limit"/> is what WRAP or SAT store instead.
    /// </summary>
    static int UnsignedOverflow(ulong value, long incr, int bits, Overflow type, out ulong limit)
    {
        var max = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        var maxIncr = unchecked((long)(max - value));
        var minIncr = unchecked(-(long)value);
        limit = 0;
        int result;
        if (value > max || (incr > 0 && incr > maxIncr)) result = 1;
        else if (incr < 0 && incr < minIncr) result = -1;
        else return 0;
        if (type == Overflow.Wrap) limit = unchecked(value + (ulong)incr) & ~(ulong.MaxValue << bits);
        else if (type == Overflow.Sat) limit = result > 0 ? max : 0;
        return result;
    }

    /// <summary>checkSignedBitfieldOverflow; WRAP wraps towards the most negative value.</summary>
    static int SignedOverflow(long value, long incr, int bits, Overflow type, out long limit)
    {
        var max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
        var min = -max - 1;
        // These may overflow, but are only used once value is known to be in range (as in Redis).
        var maxIncr = unchecked((long)((ulong)max - (ulong)value));
        var minIncr = unchecked(min - value);
        limit = 0;
        int result;
        if (value > max || (bits != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr)) result = 1;
        else if (value < min || (bits != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr)) result = -1;
        else return 0;
        if (type == Overflow.Wrap)
        {
            var c = unchecked((ulong)value + (ulong)incr);
            if (bits < 64)
            {
                var mask = ulong.MaxValue << bits;
                c = (c & (1UL << (bits - 1))) != 0 ? c | mask : c & ~mask;
            }
            limit = (long)c;
        }
        else if (type == Overflow.Sat) limit = result > 0 ? max : min;
        return result;
    }
}
