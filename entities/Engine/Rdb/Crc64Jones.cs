namespace Serverless.Store.RdbFiles;

/// <summary>
/// CRC-64/Jones as Redis computes it for RDB files (crc64.c): reflected, polynomial
/// 0xad93d23594c935a9, initial value 0, no final xor; crc64("123456789") = 0xe9c6d914c4b8d9ca.
/// Hand-written because .NET's System.IO.Hashing.Crc64 is CRC-64/ECMA-182 (another polynomial)
/// and no maintained package offers Jones. Table-driven, a byte at a time.
/// </summary>
public static class Crc64Jones
{
    /// <summary>The polynomial in reflected (LSB-first) form.</summary>
    const ulong Poly = 0x95ac9329ac4bc9b5;

    static readonly ulong[] Table = BuildTable();

    static ulong[] BuildTable()
    {
        var table = new ulong[256];
        for (ulong i = 0; i < 256; i++)
        {
            var crc = i;
            for (var bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ Poly : crc >> 1;
            table[i] = crc;
        }
        return table;
    }

    /// <summary>Continues a CRC over more bytes (start with 0).</summary>
    public static ulong Update(ulong crc, ReadOnlySpan<byte> data)
    {
        var table = Table;
        foreach (var b in data) crc = table[(byte)(crc ^ b)] ^ (crc >> 8);
        return crc;
    }

    public static ulong Compute(ReadOnlySpan<byte> data) => Update(0, data);

    /// <summary>
    /// crc(A + B) from crc(A), crc(B) and B's length, without B's bytes (zlib's crc32_combine
    /// method: multiply by x^(8·lenB) with GF(2) matrices, O(log lenB)). With initial value 0 and
    /// no final xor the CRC is linear, so crc(A + B) = crc(A)·x^(8·lenB) xor crc(B). The snapshot
    /// writer uses it to put the header (whose key counts are known last) in front of the body.
    /// </summary>
    public static ulong Combine(ulong crcA, ulong crcB, long lengthB)
    {
        if (lengthB <= 0) return crcA ^ crcB;
        var even = new ulong[64];
        var odd = new ulong[64];
        // The operator for one zero bit.
        odd[0] = Poly;
        ulong row = 1;
        for (var n = 1; n < 64; n++)
        {
            odd[n] = row;
            row <<= 1;
        }
        Square(even, odd); // two zero bits
        Square(odd, even); // four zero bits
        do
        {
            Square(even, odd); // first pass: one zero byte
            if ((lengthB & 1) != 0) crcA = Times(even, crcA);
            lengthB >>= 1;
            if (lengthB == 0) break;
            Square(odd, even);
            if ((lengthB & 1) != 0) crcA = Times(odd, crcA);
            lengthB >>= 1;
        } while (lengthB != 0);
        return crcA ^ crcB;
    }

    static ulong Times(ulong[] matrix, ulong vector)
    {
        ulong sum = 0;
        for (var i = 0; vector != 0; i++, vector >>= 1)
            if ((vector & 1) != 0) sum ^= matrix[i];
        return sum;
    }

    static void Square(ulong[] square, ulong[] matrix)
    {
        for (var n = 0; n < 64; n++) square[n] = Times(matrix, matrix[n]);
    }
}
