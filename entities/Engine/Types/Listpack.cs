using System.Buffers.Binary;
using Serverless.Store.Protocol;

namespace Serverless.Store.Types;

/// <summary>
/// Redis's listpack encoding (listpack.c): the sizes the stream nodes count to decide where a node
/// ends, and the bytes the RDB writer stores a stream node as. Hand-written: listpack is Redis's
/// own format and no .NET package writes it. One home for encoding; the RDB reader decodes.
/// Layout: total bytes (u32 LE), element count (u16 LE, 65535 = unknown), elements, 0xFF. An
/// element is its encoding and data, then its back-length (the encoding+data size, 7 bits a byte).
/// </summary>
public static class Listpack
{
    /// <summary>Encoded size of an integer element, back-length included.</summary>
    public static int IntSize(long v)
    {
        int enc = v switch
        {
            >= 0 and <= 127 => 1,
            >= -4096 and <= 4095 => 2,
            >= short.MinValue and <= short.MaxValue => 3,
            >= -8388608 and <= 8388607 => 4,
            >= int.MinValue and <= int.MaxValue => 5,
            _ => 9,
        };
        return enc + BacklenSize(enc);
    }

    /// <summary>Encoded size of a string element, back-length included (integers stored as integers).</summary>
    public static long StringSize(byte[] s)
    {
        if (AsInteger(s, out var v)) return IntSize(v);
        long enc = s.Length < 64 ? 1 + s.Length : s.Length < 4096 ? 2 + s.Length : 5 + s.Length;
        return enc + BacklenSize(enc);
    }

    /// <summary>
    /// lpAppend stores a string that lpStringToInt64 reads as an integer (canonical decimal: no "+",
    /// no leading zeros, no "-0") as that integer.
    /// </summary>
    static bool AsInteger(byte[] s, out long v) =>
        Numbers.TryParseLong(s, out v) && s.Length is > 0 and <= 20 && s.AsSpan().SequenceEqual(Numbers.ToBytes(v));

    /// <summary>Bytes of the back-length after an element whose encoding and data take <paramref name="l"/> bytes.</summary>
    public static int BacklenSize(long l) => l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;

    /// <summary>Builds one listpack, element by element (lpAppend / lpAppendInteger).</summary>
    public sealed class Builder
    {
        readonly MemoryStream body = new();
        readonly byte[] scratch = new byte[16];
        int count;

        public Builder Add(long v)
        {
            int n;
            if (v is >= 0 and <= 127) { scratch[0] = (byte)v; n = 1; }
            else if (v is >= -4096 and <= 4095)
            {
                var u = v < 0 ? (1 << 13) + v : v; // 13-bit two's complement
                scratch[0] = (byte)(0xC0 | (u >> 8));
                scratch[1] = (byte)u;
                n = 2;
            }
            else if (v is >= short.MinValue and <= short.MaxValue) { scratch[0] = 0xF1; BinaryPrimitives.WriteInt16LittleEndian(scratch.AsSpan(1), (short)v); n = 3; }
            else if (v is >= -8388608 and <= 8388607)
            {
                scratch[0] = 0xF2;
                scratch[1] = (byte)v;
                scratch[2] = (byte)(v >> 8);
                scratch[3] = (byte)(v >> 16);
                n = 4;
            }
            else if (v is >= int.MinValue and <= int.MaxValue) { scratch[0] = 0xF3; BinaryPrimitives.WriteInt32LittleEndian(scratch.AsSpan(1), (int)v); n = 5; }
            else { scratch[0] = 0xF4; BinaryPrimitives.WriteInt64LittleEndian(scratch.AsSpan(1), v); n = 9; }
            body.Write(scratch, 0, n);
            Backlen(n);
            return this;
        }

        public Builder Add(byte[] s)
        {
            if (AsInteger(s, out var v)) return Add(v);
            int header;
            if (s.Length < 64) { scratch[0] = (byte)(0x80 | s.Length); header = 1; }
            else if (s.Length < 4096) { scratch[0] = (byte)(0xE0 | (s.Length >> 8)); scratch[1] = (byte)s.Length; header = 2; }
            else { scratch[0] = 0xF0; BinaryPrimitives.WriteInt32LittleEndian(scratch.AsSpan(1), s.Length); header = 5; }
            body.Write(scratch, 0, header);
            body.Write(s);
            Backlen(header + (long)s.Length);
            return this;
        }

        /// <summary>lpEncodeBacklen: the high 7-bit group first; every byte but the first has bit 7 set.</summary>
        void Backlen(long l)
        {
            var size = BacklenSize(l);
            for (var i = 0; i < size; i++)
            {
                var group = (byte)((l >> (7 * (size - 1 - i))) & 127);
                scratch[i] = i == 0 ? group : (byte)(group | 128);
            }
            body.Write(scratch, 0, size);
            count++;
        }

        /// <summary>The whole listpack: header, elements, end marker.</summary>
        public byte[] ToArray()
        {
            var total = 6 + body.Length + 1;
            var lp = new byte[total];
            BinaryPrimitives.WriteUInt32LittleEndian(lp, (uint)total);
            BinaryPrimitives.WriteUInt16LittleEndian(lp.AsSpan(4), (ushort)Math.Min(count, ushort.MaxValue));
            body.Position = 0;
            body.ReadExactly(lp, 6, (int)body.Length);
            lp[^1] = 0xFF;
            return lp;
        }
    }
}
