using System.Buffers.Binary;
using System.Numerics;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// PFADD, PFCOUNT and PFMERGE of Redis 7.0 (hyperloglog.c). An HLL is a plain string holding
/// Redis's own representation (<see cref="HllValue"/>), so GET, RDB and DUMP carry the same
/// bytes as redis-server. Values are immutable byte[]: every change works on a copy and stores
/// it only when the command succeeds.
/// </summary>
public static class HyperLogLog
{
    public const string NotAnHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
    public const string Corrupted = "INVALIDOBJ Corrupted HLL object detected";

    /// <summary>The key's HLL bytes (null when missing), refusing other types and strings that are not HLLs.</summary>
    static byte[]? Lookup(CommandContext ctx, byte[] key, out KeyState? state)
    {
        state = ctx.Lookup(key, RedisType.String);
        if (state is null) return null;
        if (!HllValue.IsValid(state.String!)) throw new RedisException(NotAnHll);
        return state.String;
    }

    /// <summary>PFADD key [element ...]: 1 if a register changed or the key was created.</summary>
    public static Reply PfAdd(CommandContext ctx, byte[][] args)
    {
        var key = args[1];
        var current = Lookup(ctx, key, out var state);
        var hll = current is null ? HllValue.CreateEmpty() : HllValue.Open(current);
        var updated = current is null;
        for (var j = 2; j < args.Length; j++)
        {
            var changed = hll.Add(args[j]);
            if (changed < 0) throw new RedisException(Corrupted);
            if (changed > 0) updated = true;
        }
        if (!updated) return Reply.Zero;
        hll.InvalidateCache();
        Strings.Store(ctx, key, state, hll.ToArray(), "raw");
        ctx.Notify('$', "pfadd", key);
        return Reply.One;
    }

    /// <summary>
    /// PFCOUNT key [key ...]. One key answers its cached cardinality or computes and caches it
    /// (a change to the value, as in Redis, with no keyspace event); several keys answer the
    /// cardinality of their union and change nothing.
    /// </summary>
    public static Reply PfCount(CommandContext ctx, byte[][] args)
    {
        if (args.Length > 2)
        {
            var max = new byte[HllValue.Registers];
            for (var j = 1; j < args.Length; j++)
            {
                var value = Lookup(ctx, args[j], out _);
                if (value is not null && !HllValue.MergeInto(value, max)) throw new RedisException(Corrupted);
            }
            return Reply.Integer((long)HllValue.CountRaw(max));
        }

        var key = args[1];
        var bytes = Lookup(ctx, key, out var state);
        if (bytes is null) return Reply.Zero;
        if (HllValue.CachedCardinality(bytes) is { } cached) return Reply.Integer((long)cached);
        var card = HllValue.Count(bytes, out var invalid);
        if (invalid) throw new RedisException(Corrupted);
        var updated = (byte[])bytes.Clone();
        HllValue.SetCachedCardinality(updated, card);
        Strings.Store(ctx, key, state, updated, "raw");
        return Reply.Integer((long)card);
    }

    /// <summary>
    /// PFMERGE destkey [sourcekey ...]: the register-wise maximum of every key named, destkey
    /// included, written into destkey (created sparse, made dense when any input is dense).
    /// Raises "pfadd", as Redis does.
    /// </summary>
    public static Reply PfMerge(CommandContext ctx, byte[][] args)
    {
        var max = new byte[HllValue.Registers];
        var useDense = false;
        for (var j = 1; j < args.Length; j++)
        {
            var value = Lookup(ctx, args[j], out _);
            if (value is null) continue;
            useDense |= HllValue.IsDense(value);
            if (!HllValue.MergeInto(value, max)) throw new RedisException(Corrupted);
        }

        var key = args[1];
        var current = Lookup(ctx, key, out var state); // already checked as the first input
        var hll = current is null ? HllValue.CreateEmpty() : HllValue.Open(current);
        if (useDense && !hll.ToDense()) throw new RedisException(Corrupted);
        for (var i = 0; i < HllValue.Registers; i++)
            if (max[i] != 0) hll.Set(i, max[i]);
        hll.InvalidateCache();
        Strings.Store(ctx, key, state, hll.ToArray(), "raw");
        ctx.Notify('$', "pfadd", key);
        return Reply.Ok;
    }
}

/// <summary>
/// Redis's HyperLogLog bytes (hyperloglog.c), reproduced bit for bit so that our values and
/// redis-server's are interchangeable: a 16-byte header ("HYLL", encoding, 3 unused bytes, the
/// cached cardinality little endian with its top bit meaning "stale"), then either 16384 6-bit
/// registers packed least significant bit first (dense, 12288 bytes) or the sparse opcodes
/// ZERO (00xxxxxx: 1-64 zero registers), XZERO (01xxxxxx xxxxxxxx: 1-16384 zero registers) and
/// VAL (1vvvvvxx: 1-4 registers of value 1-32). A sparse value becomes dense when a register
/// needs more than 32 or it would grow past hll-sparse-max-bytes (3000).
/// Every operation follows Redis's code step by step, since the exact bytes (which opcodes, when
/// adjacent ones merge, when it turns dense) and the estimate's floating-point steps are visible
/// to users through GET, RDB and PFCOUNT.
/// </summary>
internal sealed class HllValue
{
    const int P = 14;
    const int Q = 64 - P;
    public const int Registers = 1 << P;
    const int RegisterBits = 6;
    const int HeaderSize = 16;
    const int DenseSize = HeaderSize + (Registers * RegisterBits + 7) / 8;
    const byte DenseEncoding = 0;
    const byte SparseEncoding = 1;
    const int SparseMaxBytes = 3000; // hll-sparse-max-bytes' default
    const int ValMaxValue = 32;
    const int ValMaxLength = 4;
    const int ZeroMaxLength = 64;
    const int XZeroMaxLength = 16384;
    const ulong HashSeed = 0xadc83b19UL;
    const double AlphaInf = 0.721347520444481703680; // 0.5 / ln(2)

    /// <summary>
    /// The bytes being worked on, <see cref="length"/> of them in use. Sparse edits read one byte
    /// past the end, where Redis's strings hold their NUL terminator: that byte is kept zero.
    /// </summary>
    byte[] bytes;
    int length;

    HllValue(byte[] bytes, int length)
    {
        this.bytes = bytes;
        this.length = length;
    }

    /// <summary>createHLLObject: sparse, one XZERO opcode covering all registers, cached cardinality 0.</summary>
    public static HllValue CreateEmpty()
    {
        var hll = new HllValue(new byte[64], HeaderSize);
        "HYLL"u8.CopyTo(hll.bytes);
        hll.bytes[4] = SparseEncoding;
        for (var left = Registers; left > 0; left -= XZeroMaxLength)
        {
            hll.SetXZero(hll.length, Math.Min(left, XZeroMaxLength));
            hll.length += 2;
        }
        return hll;
    }

    /// <summary>A working copy of a value <see cref="IsValid"/> accepted (a sparse one with room to grow).</summary>
    public static HllValue Open(byte[] value)
    {
        var copy = new byte[IsDense(value) ? value.Length : value.Length + 8];
        value.CopyTo(copy, 0);
        return new HllValue(copy, value.Length);
    }

    /// <summary>The value's bytes; a dense working copy is handed over as it is (nothing uses it after).</summary>
    public byte[] ToArray() => length == bytes.Length ? bytes : bytes.AsSpan(0, length).ToArray();

    /// <summary>isHLLObjectOrReply: the magic, a known encoding, and a dense value's exact size.</summary>
    public static bool IsValid(ReadOnlySpan<byte> value) =>
        value.Length >= HeaderSize && value.StartsWith("HYLL"u8) && value[4] <= SparseEncoding &&
        (value[4] != DenseEncoding || value.Length == DenseSize);

    public static bool IsDense(ReadOnlySpan<byte> value) => value[4] == DenseEncoding;

    bool Dense => bytes[4] == DenseEncoding;

    // ------------------------------------------------------------------ cached cardinality

    public static ulong? CachedCardinality(ReadOnlySpan<byte> value) =>
        (value[15] & 0x80) == 0 ? BinaryPrimitives.ReadUInt64LittleEndian(value[8..16]) : null;

    public static void SetCachedCardinality(Span<byte> value, ulong card) =>
        BinaryPrimitives.WriteUInt64LittleEndian(value[8..16], card);

    /// <summary>HLL_INVALIDATE_CACHE: only the top bit is set; the stale count stays in the other bits.</summary>
    public void InvalidateCache() => bytes[15] |= 0x80;

    // ------------------------------------------------------------------ hashing

    /// <summary>
    /// MurmurHash64A as Redis has it (endian-neutral, seed 0xadc83b19): the register an element
    /// hashes to, and the length of its "000...1" pattern after the index bits (1 to Q + 1).
    /// </summary>
    static (int Index, int Count) PatternOf(ReadOnlySpan<byte> element)
    {
        var hash = MurmurHash64A(element, HashSeed);
        var index = (int)(hash & (Registers - 1));
        hash >>= P;
        hash |= 1UL << Q; // so the count stops at Q + 1
        return (index, BitOperations.TrailingZeroCount(hash) + 1);
    }

    internal static ulong MurmurHash64A(ReadOnlySpan<byte> key, ulong seed)
    {
        const ulong m = 0xc6a4a7935bd1e995UL;
        const int r = 47;
        var h = seed ^ unchecked((ulong)key.Length * m);
        var whole = key.Length & ~7;
        unchecked
        {
            for (var i = 0; i < whole; i += 8)
            {
                var k = BinaryPrimitives.ReadUInt64LittleEndian(key[i..]);
                k *= m;
                k ^= k >> r;
                k *= m;
                h ^= k;
                h *= m;
            }
            var tail = key[whole..];
            if (tail.Length > 0)
            {
                for (var i = tail.Length - 1; i >= 0; i--) h ^= (ulong)tail[i] << (8 * i);
                h *= m;
            }
            h ^= h >> r;
            h *= m;
            h ^= h >> r;
        }
        return h;
    }

    // ------------------------------------------------------------------ dense registers

    /// <summary>HLL_DENSE_GET_REGISTER: past the last byte reads the string's NUL terminator, 0.</summary>
    static int GetRegister(ReadOnlySpan<byte> registers, int index)
    {
        var b = index * RegisterBits / 8;
        var fb = index * RegisterBits & 7;
        int b0 = registers[b];
        var b1 = b + 1 < registers.Length ? registers[b + 1] : 0;
        return ((b0 >> fb) | (b1 << (8 - fb))) & 63;
    }

    static void SetRegister(Span<byte> registers, int index, int value)
    {
        var b = index * RegisterBits / 8;
        var fb = index * RegisterBits & 7;
        registers[b] = (byte)((registers[b] & ~(63 << fb)) | (value << fb));
        if (b + 1 < registers.Length)
            registers[b + 1] = (byte)((registers[b + 1] & ~(63 >> (8 - fb))) | (value >> (8 - fb)));
    }

    Span<byte> DenseRegisters => bytes.AsSpan(HeaderSize, DenseSize - HeaderSize);

    /// <summary>hllDenseSet: raises the register to count; 1 when it changed.</summary>
    int DenseSet(int index, int count)
    {
        var registers = DenseRegisters;
        if (count <= GetRegister(registers, index)) return 0;
        SetRegister(registers, index, count);
        return 1;
    }

    // ------------------------------------------------------------------ sparse opcodes

    byte At(int i) => i < length ? bytes[i] : (byte)0;
    bool IsZero(int p) => (bytes[p] & 0xc0) == 0;
    bool IsXZero(int p) => (bytes[p] & 0xc0) == 0x40;
    bool IsVal(int p) => (bytes[p] & 0x80) != 0;
    int ZeroLength(int p) => (bytes[p] & 0x3f) + 1;
    int XZeroLength(int p) => (((bytes[p] & 0x3f) << 8) | At(p + 1)) + 1;
    int ValValue(int p) => ((bytes[p] >> 2) & 0x1f) + 1;
    int ValLength(int p) => (bytes[p] & 0x3) + 1;
    static byte Val(int value, int len) => (byte)(((value - 1) << 2) | (len - 1) | 0x80);
    void SetXZero(int p, int len)
    {
        bytes[p] = (byte)(((len - 1) >> 8) | 0x40);
        bytes[p + 1] = (byte)((len - 1) & 0xff);
    }

    /// <summary>Writes ZERO or XZERO (for runs over 64) into seq at n; returns the bytes written.</summary>
    static int ZeroRun(Span<byte> seq, int n, int len)
    {
        if (len <= ZeroMaxLength)
        {
            seq[n] = (byte)(len - 1);
            return 1;
        }
        seq[n] = (byte)(((len - 1) >> 8) | 0x40);
        seq[n + 1] = (byte)((len - 1) & 0xff);
        return 2;
    }

    /// <summary>Room for a few more bytes plus the terminator, as sdsMakeRoomFor gives Redis.</summary>
    void EnsureRoom(int more)
    {
        if (length + more + 1 <= bytes.Length) return;
        Array.Resize(ref bytes, Math.Max(bytes.Length * 2, length + more + 1));
    }

    /// <summary>Changes the length, keeping the byte past the end zero (sdsIncrLen's terminator).</summary>
    void Resize(int newLength)
    {
        length = newLength;
        bytes[length] = 0;
    }

    /// <summary>Sets the register to count if that raises it: 1 changed, 0 not, -1 corrupt (<see cref="HllValue"/>).</summary>
    public int Set(int index, int count) => Dense ? DenseSet(index, count) : SparseSet(index, count);

    public int Add(ReadOnlySpan<byte> element)
    {
        var (index, count) = PatternOf(element);
        return Set(index, count);
    }

    /// <summary>hllSparseSet: find the opcode covering the register, split it, merge neighbours, or go dense.</summary>
    int SparseSet(int index, int count)
    {
        if (count > ValMaxValue) return Promote(index, count);
        EnsureRoom(3);

        // Step 1: the opcode covering the register.
        var p = HeaderSize;
        var end = length;
        long first = 0, span = 0;
        var prev = -1;
        while (p < end)
        {
            var opLength = 1;
            if (IsZero(p)) span = ZeroLength(p);
            else if (IsVal(p)) span = ValLength(p);
            else
            {
                span = XZeroLength(p);
                opLength = 2;
            }
            if (index <= first + span - 1) break;
            prev = p;
            p += opLength;
            first += span;
        }
        if (span == 0 || p >= end) return -1;
        var next = IsXZero(p) ? p + 2 : p + 1;
        if (next >= end) next = -1;

        bool isZero = false, isXZero = false;
        long runLength;
        if (IsZero(p))
        {
            isZero = true;
            runLength = ZeroLength(p);
        }
        else if (IsXZero(p))
        {
            isXZero = true;
            runLength = XZeroLength(p);
        }
        else runLength = ValLength(p);

        // Step 2: the easy cases change the opcode in place.
        if (!isZero && !isXZero)
        {
            if (ValValue(p) >= count) return 0;
            if (runLength == 1)
            {
                bytes[p] = Val(count, 1);
                return Updated(prev, end);
            }
        }
        if (isZero && runLength == 1)
        {
            bytes[p] = Val(count, 1);
            return Updated(prev, end);
        }

        // Otherwise the opcode splits in up to three: what is left of it on either side of the register.
        Span<byte> seq = stackalloc byte[5];
        var n = 0;
        var last = first + span - 1;
        if (isZero || isXZero)
        {
            if (index != first) n += ZeroRun(seq, n, (int)(index - first));
            seq[n++] = Val(count, 1);
            if (index != last) n += ZeroRun(seq, n, (int)(last - index));
        }
        else
        {
            var current = ValValue(p);
            if (index != first) seq[n++] = Val(current, (int)(index - first));
            seq[n++] = Val(count, 1);
            if (index != last) seq[n++] = Val(current, (int)(last - index));
        }

        // Step 3: the new sequence replaces the old opcode.
        var oldLength = isXZero ? 2 : 1;
        var delta = n - oldLength;
        if (delta > 0 && length + delta > SparseMaxBytes) return Promote(index, count);
        if (delta != 0 && next >= 0) bytes.AsSpan(next, end - next).CopyTo(bytes.AsSpan(next + delta));
        Resize(length + delta);
        seq[..n].CopyTo(bytes.AsSpan(p));
        return Updated(prev, end + delta);
    }

    /// <summary>Step 4 of hllSparseSet: merge adjacent VAL opcodes of equal value, scanning up to 5 from prev.</summary>
    int Updated(int prev, int end)
    {
        var p = prev >= 0 ? prev : HeaderSize;
        var scan = 5;
        while (p < end && scan-- > 0)
        {
            if (IsXZero(p))
            {
                p += 2;
                continue;
            }
            if (IsZero(p))
            {
                p++;
                continue;
            }
            if (p + 1 < end && IsVal(p + 1))
            {
                var v = ValValue(p);
                if (v == ValValue(p + 1))
                {
                    var len = ValLength(p) + ValLength(p + 1);
                    if (len <= ValMaxLength)
                    {
                        bytes[p + 1] = Val(v, len);
                        // memmove(p, p+1, end-p): the terminator moves down with the rest.
                        bytes.AsSpan(p + 1, end - p).CopyTo(bytes.AsSpan(p));
                        Resize(length - 1);
                        end--;
                        continue; // try the merged opcode against the next one
                    }
                }
            }
            p++;
        }
        return 1;
    }

    int Promote(int index, int count)
    {
        if (!ToDense()) return -1;
        return DenseSet(index, count); // always 1: the register needed raising
    }

    /// <summary>hllSparseToDense (a no-op when dense); false when the opcodes do not cover exactly 16384 registers.</summary>
    public bool ToDense()
    {
        if (Dense) return true;
        var dense = new byte[DenseSize];
        bytes.AsSpan(0, HeaderSize).CopyTo(dense); // magic and cached cardinality
        dense[4] = DenseEncoding;
        var registers = dense.AsSpan(HeaderSize, DenseSize - HeaderSize);
        var idx = 0;
        for (var p = HeaderSize; p < length;)
        {
            if (IsZero(p))
            {
                idx += ZeroLength(p);
                p++;
            }
            else if (IsXZero(p))
            {
                idx += XZeroLength(p);
                p += 2;
            }
            else
            {
                var run = ValLength(p);
                var value = ValValue(p);
                if (run + idx > Registers) break;
                while (run-- > 0) SetRegister(registers, idx++, value);
                p++;
            }
        }
        if (idx != Registers) return false;
        bytes = dense;
        length = DenseSize;
        return true;
    }

    // ------------------------------------------------------------------ reading stored values

    /// <summary>
    /// Reads every register of a stored value into a histogram of register values
    /// (hllDenseRegHisto / hllSparseRegHisto) or into the register-wise maximum
    /// (hllMerge, where a VAL run past the last register stops the walk); false when a sparse
    /// value does not cover exactly 16384 registers.
    /// </summary>
    static bool Walk(ReadOnlySpan<byte> value, Span<int> histogram, Span<byte> max)
    {
        if (IsDense(value))
        {
            var registers = value[HeaderSize..];
            for (var i = 0; i < Registers; i++)
            {
                var r = GetRegister(registers, i);
                if (!histogram.IsEmpty) histogram[r]++;
                if (!max.IsEmpty && r > max[i]) max[i] = (byte)r;
            }
            return true;
        }
        var idx = 0;
        for (var p = HeaderSize; p < value.Length;)
        {
            var op = value[p];
            if ((op & 0xc0) == 0 || (op & 0xc0) == 0x40)
            {
                var xzero = (op & 0xc0) == 0x40;
                var run = xzero ? (((op & 0x3f) << 8) | (p + 1 < value.Length ? value[p + 1] : 0)) + 1 : (op & 0x3f) + 1;
                if (!histogram.IsEmpty) histogram[0] += run;
                idx += run;
                p += xzero ? 2 : 1;
            }
            else
            {
                var run = (op & 0x3) + 1;
                var v = ((op >> 2) & 0x1f) + 1;
                if (!histogram.IsEmpty) histogram[v] += run;
                else
                {
                    if (run + idx > Registers) break;
                    for (var i = idx; i < idx + run; i++) if (v > max[i]) max[i] = (byte)v;
                }
                idx += run;
                p++;
            }
        }
        return idx == Registers;
    }

    /// <summary>hllMerge: max[i] = MAX(max[i], register i); false for a corrupt sparse value.</summary>
    public static bool MergeInto(ReadOnlySpan<byte> value, Span<byte> max) => Walk(value, [], max);

    /// <summary>hllCount of a stored value; <paramref name="invalid"/> for a corrupt sparse one.</summary>
    public static ulong Count(ReadOnlySpan<byte> value, out bool invalid)
    {
        Span<int> histogram = stackalloc int[64];
        invalid = !Walk(value, histogram, []);
        return Estimate(histogram);
    }

    /// <summary>hllCount of the raw registers PFCOUNT merges several keys into (HLL_RAW).</summary>
    public static ulong CountRaw(ReadOnlySpan<byte> registers)
    {
        Span<int> histogram = stackalloc int[64];
        foreach (var r in registers) histogram[r]++;
        return Estimate(histogram);
    }

    /// <summary>
    /// Ertl's estimator ("New cardinality estimation algorithms for HyperLogLog sketches") as
    /// hllCount computes it, operation for operation in doubles (C's pow, then llroundl's
    /// round-half-away), so the estimates equal redis-server's.
    /// </summary>
    static ulong Estimate(ReadOnlySpan<int> histogram)
    {
        const double m = Registers;
        var z = m * Tau((m - histogram[Q + 1]) / m);
        for (var j = Q; j >= 1; --j)
        {
            z += histogram[j];
            z *= 0.5;
        }
        z += m * Sigma(histogram[0] / m);
        return (ulong)Math.Round(AlphaInf * m * m / z, MidpointRounding.AwayFromZero);
    }

    static double Sigma(double x)
    {
        if (x == 1.0) return double.PositiveInfinity;
        double zPrime, y = 1, z = x;
        do
        {
            x *= x;
            zPrime = z;
            z += x * y;
            y += y;
        } while (zPrime != z);
        return z;
    }

    static double Tau(double x)
    {
        if (x == 0.0 || x == 1.0) return 0.0;
        double zPrime, y = 1.0, z = 1 - x;
        do
        {
            x = Math.Sqrt(x);
            zPrime = z;
            y *= 0.5;
            z -= Math.Pow(1 - x, 2) * y;
        } while (zPrime != z);
        return z / 3;
    }
}
