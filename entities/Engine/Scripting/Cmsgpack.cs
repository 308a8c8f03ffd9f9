using System.Buffers.Binary;
using static Serverless.Store.Scripting.LuaApi;

namespace Serverless.Store.Scripting;

/// <summary>
/// lua-cmsgpack 0.4.0 (Redis's deps/lua/src/lua_cmsgpack.c) in C#: Redis compiles it into its Lua
/// 5.1 and no package brings it to Lua 5.4. Encodes as the 5.1 build does (every number is a
/// double: integral ones as MessagePack integers, others as float32 when exact, else float64);
/// tables nested deeper than 16 become nil, as in Redis.
/// </summary>
internal static unsafe class Cmsgpack
{
    const int MaxNesting = 16;

    /// <summary>Decoding nests in C on Redis's own stack; here it stops at this depth.</summary>
    const int MaxDecodeDepth = 1000;

    public static void Open(IntPtr L)
    {
        lua_createtable(L, 0, 8);
        LuaFunctions.Set(L, -1, "pack", &Pack);
        LuaFunctions.Set(L, -1, "unpack", &Unpack);
        LuaFunctions.Set(L, -1, "unpack_one", &UnpackOne);
        LuaFunctions.Set(L, -1, "unpack_limit", &UnpackLimit);
        foreach (var (name, value) in new[]
                 {
                     ("_NAME", "cmsgpack"), ("_VERSION", "lua-cmsgpack 0.4.0"),
                     ("_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"), ("_DESCRIPTION", "MessagePack C implementation for Lua"),
                 })
        {
            PushString(L, value);
            SetField(L, -2, name);
        }
    }

    // ------------------------------------------------------------ pack

    static int Pack(LuaCall c)
    {
        var nargs = c.Top;
        if (nargs == 0) throw c.ArgError(0, "pack", "MessagePack pack needs input.");
        var buffer = new List<byte>();
        for (var i = 1; i <= nargs; i++)
        {
            lua_pushvalue(c.L, i);
            Encode(c.L, buffer, 0);
        }
        c.PushBytes(buffer.ToArray());
        return 1;
    }

    /// <summary>mp_encode_lua_type: the value on top, popped.</summary>
    static void Encode(IntPtr L, List<byte> buffer, int level)
    {
        var type = lua_type(L, -1);
        if (type == TTable && level == MaxNesting) type = TNil;
        switch (type)
        {
            case TString:
                EncodeBytes(buffer, ToBytes(L, -1)!);
                break;
            case TBoolean:
                buffer.Add(lua_toboolean(L, -1) != 0 ? (byte)0xc3 : (byte)0xc2);
                break;
            case TNumber:
                var n = lua_tonumberx(L, -1, null);
                if (!double.IsInfinity(n) && (double)LuaNumbers.ToCLong(n) == n) EncodeInteger(buffer, LuaNumbers.ToCLong(n));
                else EncodeDouble(buffer, n);
                break;
            case TTable:
                if (IsArray(L)) EncodeArray(L, buffer, level);
                else EncodeMap(L, buffer, level);
                break;
            default:
                buffer.Add(0xc0);
                break;
        }
        Pop(L, 1);
    }

    static void EncodeBytes(List<byte> buffer, byte[] s)
    {
        var len = s.Length;
        if (len < 32) buffer.Add((byte)(0xa0 | len));
        else if (len <= 0xff) buffer.AddRange([0xd9, (byte)len]);
        else if (len <= 0xffff) buffer.AddRange([0xda, (byte)(len >> 8), (byte)len]);
        else buffer.AddRange([0xdb, (byte)(len >> 24), (byte)(len >> 16), (byte)(len >> 8), (byte)len]);
        buffer.AddRange(s);
    }

    static void EncodeDouble(List<byte> buffer, double d)
    {
        var f = (float)d;
        if (d == f)
        {
            buffer.Add(0xca);
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteSingleBigEndian(b, f);
            buffer.AddRange(b);
        }
        else
        {
            buffer.Add(0xcb);
            Span<byte> b = stackalloc byte[8];
            BinaryPrimitives.WriteDoubleBigEndian(b, d);
            buffer.AddRange(b);
        }
    }

    static void EncodeInteger(List<byte> buffer, long n)
    {
        Span<byte> b = stackalloc byte[8];
        if (n >= 0)
        {
            if (n <= 127) buffer.Add((byte)n);
            else if (n <= 0xff) buffer.AddRange([0xcc, (byte)n]);
            else if (n <= 0xffff) buffer.AddRange([0xcd, (byte)(n >> 8), (byte)n]);
            else if (n <= 0xffffffffL)
            {
                buffer.Add(0xce);
                BinaryPrimitives.WriteUInt32BigEndian(b, (uint)n);
                buffer.AddRange(b[..4]);
            }
            else
            {
                buffer.Add(0xcf);
                BinaryPrimitives.WriteInt64BigEndian(b, n);
                buffer.AddRange(b);
            }
        }
        else
        {
            if (n >= -32) buffer.Add((byte)(sbyte)n);
            else if (n >= -128) buffer.AddRange([0xd0, (byte)n]);
            else if (n >= -32768) buffer.AddRange([0xd1, (byte)(n >> 8), (byte)n]);
            else if (n >= -2147483648L)
            {
                buffer.Add(0xd2);
                BinaryPrimitives.WriteInt32BigEndian(b, (int)n);
                buffer.AddRange(b[..4]);
            }
            else
            {
                buffer.Add(0xd3);
                BinaryPrimitives.WriteInt64BigEndian(b, n);
                buffer.AddRange(b);
            }
        }
    }

    /// <summary>table_is_an_array (5.1): every key a positive number in int range, and keys 1..n all present.</summary>
    static bool IsArray(IntPtr L)
    {
        var table = lua_gettop(L);
        long count = 0, max = 0;
        lua_pushnil(L);
        while (lua_next(L, table) != 0)
        {
            Pop(L, 1);
            var n = lua_tonumberx(L, -1, null);
            if (lua_type(L, -1) != TNumber || n <= 0 || (double)LuaNumbers.ToCInt(n) != n)
            {
                lua_settop(L, table);
                return false;
            }
            max = Math.Max(max, (long)n);
            count++;
        }
        return max == count;
    }

    static void EncodeArray(IntPtr L, List<byte> buffer, int level)
    {
        var table = lua_gettop(L);
        var len = (long)lua_rawlen(L, table);
        Header(buffer, len, 0x90, 0xdc, 0xdd);
        for (long j = 1; j <= len; j++)
        {
            lua_rawgeti(L, table, j);
            Encode(L, buffer, level + 1);
        }
    }

    /// <summary>An array or map header: fix (up to 15 in the low bits), 16-bit or 32-bit count.</summary>
    static void Header(List<byte> buffer, long count, byte fix, byte code16, byte code32)
    {
        if (count <= 15) buffer.Add((byte)(fix | count));
        else if (count <= 65535) buffer.AddRange([code16, (byte)(count >> 8), (byte)count]);
        else buffer.AddRange([code32, (byte)(count >> 24), (byte)(count >> 16), (byte)(count >> 8), (byte)count]);
    }

    static void EncodeMap(IntPtr L, List<byte> buffer, int level)
    {
        var table = lua_gettop(L);
        long len = 0;
        lua_pushnil(L);
        while (lua_next(L, table) != 0)
        {
            Pop(L, 1);
            len++;
        }
        Header(buffer, len, 0x80, 0xde, 0xdf);
        lua_pushnil(L);
        while (lua_next(L, table) != 0)
        {
            lua_pushvalue(L, -2);
            Encode(L, buffer, level + 1); // key
            Encode(L, buffer, level + 1); // value
        }
    }

    // ------------------------------------------------------------ unpack

    static int Unpack(LuaCall c) => UnpackFull(c, 0, 0);

    static int UnpackOne(LuaCall c)
    {
        var offset = c.OptInteger(2, "unpack_one", 0);
        lua_settop(c.L, 1);
        return UnpackFull(c, 1, offset);
    }

    static int UnpackLimit(LuaCall c)
    {
        var limit = c.CheckInteger(2, "unpack_limit");
        var offset = c.OptInteger(3, "unpack_limit", 0);
        lua_settop(c.L, 1);
        return UnpackFull(c, limit, offset);
    }

    sealed class Cursor(byte[] data, int at)
    {
        public readonly byte[] Data = data;
        public int At = at;
        public int Left => Data.Length - At;
    }

    sealed class MissingBytes : Exception;

    sealed class BadFormat : Exception;

    static int UnpackFull(LuaCall c, long limit, long offset)
    {
        var s = c.CheckBytes(1, "unpack");
        var decodeAll = limit == 0 && offset == 0;
        if (offset < 0 || limit < 0)
            throw c.Error($"Invalid request to unpack with offset of {(int)offset} and limit of {s.Length}.");
        if (offset > s.Length) throw c.Error($"Start offset {(int)offset} greater than input length {s.Length}.");
        if (decodeAll) limit = int.MaxValue;
        var cursor = new Cursor(s, (int)offset);
        var count = 0;
        try
        {
            for (; cursor.Left > 0 && count < limit; count++)
            {
                if (lua_checkstack(c.L, 1) == 0) throw c.Error("stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)");
                Decode(c, cursor, 0);
            }
        }
        catch (MissingBytes)
        {
            throw c.Error("Missing bytes in input.");
        }
        catch (BadFormat)
        {
            throw c.Error("Bad data format in input.");
        }
        if (!decodeAll)
        {
            lua_pushinteger(c.L, cursor.Left == 0 ? -1 : cursor.At);
            lua_rotate(c.L, 2, 1);
            count++;
        }
        return count;
    }

    static ReadOnlySpan<byte> Need(Cursor c, int length)
    {
        if (c.Left < length) throw new MissingBytes();
        var span = c.Data.AsSpan(c.At, length);
        c.At += length;
        return span;
    }

    /// <summary>mp_decode_to_lua_type: one value pushed.</summary>
    static void Decode(LuaCall call, Cursor c, int depth)
    {
        var L = call.L;
        if (depth > MaxDecodeDepth) throw new BadFormat();
        if (lua_checkstack(L, 3) == 0) throw call.Error("stack overflow");
        var head = Need(c, 1)[0];
        switch (head)
        {
            case 0xcc: call.PushNumber(Need(c, 1)[0]); return;
            case 0xd0: call.PushNumber((sbyte)Need(c, 1)[0]); return;
            case 0xcd: call.PushNumber(BinaryPrimitives.ReadUInt16BigEndian(Need(c, 2))); return;
            case 0xd1: call.PushNumber(BinaryPrimitives.ReadInt16BigEndian(Need(c, 2))); return;
            case 0xce: call.PushNumber(BinaryPrimitives.ReadUInt32BigEndian(Need(c, 4))); return;
            case 0xd2: call.PushNumber(BinaryPrimitives.ReadInt32BigEndian(Need(c, 4))); return;
            case 0xcf: call.PushNumber(BinaryPrimitives.ReadUInt64BigEndian(Need(c, 8))); return;
            case 0xd3: call.PushNumber(BinaryPrimitives.ReadInt64BigEndian(Need(c, 8))); return;
            case 0xc0: lua_pushnil(L); return;
            case 0xc3: lua_pushboolean(L, 1); return;
            case 0xc2: lua_pushboolean(L, 0); return;
            case 0xca: call.PushNumber(BinaryPrimitives.ReadSingleBigEndian(Need(c, 4))); return;
            case 0xcb: call.PushNumber(BinaryPrimitives.ReadDoubleBigEndian(Need(c, 8))); return;
            case 0xd9: PushRaw(L, c, Need(c, 1)[0]); return;
            case 0xda: PushRaw(L, c, BinaryPrimitives.ReadUInt16BigEndian(Need(c, 2))); return;
            case 0xdb: PushRaw(L, c, BinaryPrimitives.ReadUInt32BigEndian(Need(c, 4))); return;
            case 0xdc: DecodeArray(call, c, BinaryPrimitives.ReadUInt16BigEndian(Need(c, 2)), depth); return;
            case 0xdd: DecodeArray(call, c, BinaryPrimitives.ReadUInt32BigEndian(Need(c, 4)), depth); return;
            case 0xde: DecodeMap(call, c, BinaryPrimitives.ReadUInt16BigEndian(Need(c, 2)), depth); return;
            case 0xdf: DecodeMap(call, c, BinaryPrimitives.ReadUInt32BigEndian(Need(c, 4)), depth); return;
        }
        if ((head & 0x80) == 0) call.PushNumber(head);
        else if ((head & 0xe0) == 0xe0) call.PushNumber((sbyte)head);
        else if ((head & 0xe0) == 0xa0) PushRaw(L, c, head & 0x1f);
        else if ((head & 0xf0) == 0x90) DecodeArray(call, c, head & 0xf, depth);
        else if ((head & 0xf0) == 0x80) DecodeMap(call, c, head & 0xf, depth);
        else throw new BadFormat();
    }

    static void PushRaw(IntPtr L, Cursor c, long length)
    {
        if (length > c.Left) throw new MissingBytes();
        PushBytes(L, Need(c, (int)length));
    }

    static void DecodeArray(LuaCall call, Cursor c, long length, int depth)
    {
        lua_createtable(call.L, 0, 0);
        for (long i = 1; i <= length; i++)
        {
            Decode(call, c, depth + 1);
            lua_rawseti(call.L, -2, i);
        }
    }

    static void DecodeMap(LuaCall call, Cursor c, long length, int depth)
    {
        var L = call.L;
        lua_createtable(L, 0, 0);
        for (long i = 0; i < length; i++)
        {
            Decode(call, c, depth + 1);
            Decode(call, c, depth + 1);
            if (lua_type(L, -2) == TNil || (lua_type(L, -2) == TNumber && double.IsNaN(lua_tonumberx(L, -2, null))))
                throw call.Error("table index is nil");
            lua_rawset(L, -3);
        }
    }
}
