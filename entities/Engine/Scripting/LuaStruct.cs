using System.Buffers.Binary;
using static Serverless.Store.Scripting.LuaApi;

namespace Serverless.Store.Scripting;

/// <summary>
/// Roberto Ierusalimschy's struct library (Redis's deps/lua/src/lua_struct.c) in C#: Redis compiles
/// it into its Lua 5.1 and no package brings it to Lua 5.4 (5.4's string.pack is another format
/// language). As Redis builds it on x86-64: native little-endian, long and size_t of 8 bytes,
/// maximum alignment 8.
/// </summary>
internal static unsafe class LuaStruct
{
    const int MaxIntSize = 32, MaxAlign = 8;

    public static void Open(IntPtr L)
    {
        lua_createtable(L, 0, 3);
        LuaFunctions.Set(L, -1, "pack", &Pack);
        LuaFunctions.Set(L, -1, "unpack", &Unpack);
        LuaFunctions.Set(L, -1, "size", &Size);
    }

    struct Header
    {
        public bool Little;
        public int Align;
    }

    static Header Defaults => new() { Little = true, Align = 1 };

    static int GetNum(LuaCall c, byte[] fmt, ref int at, int fallback)
    {
        if (at >= fmt.Length || !char.IsAsciiDigit((char)fmt[at])) return fallback;
        var a = 0;
        do
        {
            var digit = fmt[at] - '0';
            if (a > int.MaxValue / 10 || a * 10 > int.MaxValue - digit) throw c.Error("integral size overflow");
            a = a * 10 + digit;
            at++;
        } while (at < fmt.Length && char.IsAsciiDigit((char)fmt[at]));
        return a;
    }

    static int OptSize(LuaCall c, char opt, byte[] fmt, ref int at)
    {
        switch (opt)
        {
            case 'B' or 'b': return 1;
            case 'H' or 'h': return 2;
            case 'L' or 'l' or 'T': return 8;
            case 'f': return 4;
            case 'd': return 8;
            case 'x': return 1;
            case 'c': return GetNum(c, fmt, ref at, 1);
            case 'i' or 'I':
                var size = GetNum(c, fmt, ref at, 4);
                if (size > MaxIntSize) throw c.Error($"integral size {size} is larger than limit of {MaxIntSize}");
                return size;
            default: return 0;
        }
    }

    static int ToAlign(long length, Header h, char opt, int size)
    {
        if (size == 0 || opt == 'c') return 0;
        if (size > h.Align) size = h.Align;
        return (int)((size - (length & (size - 1))) & (size - 1));
    }

    static void ControlOptions(LuaCall c, char opt, byte[] fmt, ref int at, ref Header h, string function)
    {
        switch (opt)
        {
            case ' ': return;
            case '>': h.Little = false; return;
            case '<': h.Little = true; return;
            case '!':
                var a = GetNum(c, fmt, ref at, MaxAlign);
                if (a <= 0 || (a & (a - 1)) != 0) throw c.Error($"alignment {a} is not a power of 2");
                h.Align = a;
                return;
            default:
                throw c.ArgError(1, function, $"invalid format option '{opt}'");
        }
    }

    static int Pack(LuaCall c)
    {
        var fmt = c.CheckBytes(1, "pack");
        var h = Defaults;
        var arg = 2;
        var output = new List<byte>();
        var at = 0;
        while (at < fmt.Length && fmt[at] != 0)
        {
            var opt = (char)fmt[at++];
            var size = OptSize(c, opt, fmt, ref at);
            var toAlign = ToAlign(output.Count, h, opt, size);
            for (var i = 0; i < toAlign; i++) output.Add(0);
            switch (opt)
            {
                case 'b' or 'B' or 'h' or 'H' or 'l' or 'L' or 'T' or 'i' or 'I':
                {
                    var n = c.CheckNumber(arg++, "pack");
                    var value = n < 0 ? (ulong)LuaNumbers.ToCLong(n) : n < 9223372036854775808.0 ? (ulong)(long)n : (ulong)n;
                    var bytes = new byte[size];
                    for (var i = 0; i < size && i < 8; i++)
                    {
                        bytes[h.Little ? i : size - 1 - i] = (byte)value;
                        value >>= 8;
                    }
                    output.AddRange(bytes);
                    break;
                }
                case 'x':
                    output.Add(0);
                    break;
                case 'f':
                {
                    var bytes = new byte[4];
                    if (h.Little) BinaryPrimitives.WriteSingleLittleEndian(bytes, (float)c.CheckNumber(arg++, "pack"));
                    else BinaryPrimitives.WriteSingleBigEndian(bytes, (float)c.CheckNumber(arg++, "pack"));
                    output.AddRange(bytes);
                    break;
                }
                case 'd':
                {
                    var bytes = new byte[8];
                    if (h.Little) BinaryPrimitives.WriteDoubleLittleEndian(bytes, c.CheckNumber(arg++, "pack"));
                    else BinaryPrimitives.WriteDoubleBigEndian(bytes, c.CheckNumber(arg++, "pack"));
                    output.AddRange(bytes);
                    break;
                }
                case 'c' or 's':
                {
                    var s = c.CheckBytes(arg++, "pack");
                    if (size == 0) size = s.Length;
                    if (s.Length < size) throw c.ArgError(arg, "pack", "string too short");
                    output.AddRange(s.AsSpan(0, size).ToArray());
                    if (opt == 's')
                    {
                        output.Add(0);
                        size++;
                    }
                    break;
                }
                default:
                    ControlOptions(c, opt, fmt, ref at, ref h, "pack");
                    break;
            }
        }
        c.PushBytes(output.ToArray());
        return 1;
    }

    static int Unpack(LuaCall c)
    {
        var fmt = c.CheckBytes(1, "unpack");
        var data = c.CheckBytes(2, "unpack");
        var start = c.OptInteger(3, "unpack", 1);
        if (start == 0) throw c.ArgError(3, "unpack", "offset must be 1 or greater");
        var pos = (ulong)(start - 1); // size_t, as C has it: a negative offset is past any data
        var ld = (ulong)data.Length;
        var h = Defaults;
        var n = 0;
        var at = 0;
        while (at < fmt.Length && fmt[at] != 0)
        {
            var opt = (char)fmt[at++];
            var size = (ulong)OptSize(c, opt, fmt, ref at);
            pos += (ulong)ToAlign((long)pos, h, opt, (int)size);
            if (!(size <= ld && pos <= ld - size)) throw c.ArgError(2, "unpack", "data string too short");
            if (lua_checkstack(c.L, 2) == 0) throw c.Error("stack overflow (too many results)");
            var span = data.AsSpan((int)Math.Min(pos, ld));
            switch (opt)
            {
                case 'b' or 'B' or 'h' or 'H' or 'l' or 'L' or 'T' or 'i' or 'I':
                {
                    ulong l = 0;
                    for (var i = 0; i < (int)size; i++)
                        l = (l << 8) | span[h.Little ? (int)size - 1 - i : i];
                    if (char.IsLower(opt))
                    {
                        var bits = (int)size * 8;
                        if (bits < 64 && (l & (1UL << (bits - 1))) != 0) l |= ulong.MaxValue << (bits - 1);
                        c.PushNumber((long)l);
                    }
                    else
                    {
                        c.PushNumber(l);
                    }
                    n++;
                    break;
                }
                case 'x':
                    break;
                case 'f':
                    c.PushNumber(h.Little ? BinaryPrimitives.ReadSingleLittleEndian(span) : BinaryPrimitives.ReadSingleBigEndian(span));
                    n++;
                    break;
                case 'd':
                    c.PushNumber(h.Little ? BinaryPrimitives.ReadDoubleLittleEndian(span) : BinaryPrimitives.ReadDoubleBigEndian(span));
                    n++;
                    break;
                case 'c':
                    if (size == 0)
                    {
                        if (n == 0 || lua_type(c.L, -1) != TNumber) throw c.Error("format 'c0' needs a previous size");
                        size = (ulong)LuaNumbers.ToCLong(lua_tonumberx(c.L, -1, null));
                        Pop(c.L, 1);
                        n--;
                        if (!(size <= ld && pos <= ld - size)) throw c.ArgError(2, "unpack", "data string too short");
                    }
                    c.PushBytes(span[..(int)size]);
                    n++;
                    break;
                case 's':
                {
                    var end = span.IndexOf((byte)0);
                    if (end < 0) throw c.Error("unfinished string in data");
                    size = (ulong)end + 1;
                    c.PushBytes(span[..end]);
                    n++;
                    break;
                }
                default:
                    ControlOptions(c, opt, fmt, ref at, ref h, "unpack");
                    break;
            }
            pos += size;
        }
        c.PushInteger((long)pos + 1);
        return n + 1;
    }

    static int Size(LuaCall c)
    {
        var fmt = c.CheckBytes(1, "size");
        var h = Defaults;
        long pos = 0;
        var at = 0;
        while (at < fmt.Length && fmt[at] != 0)
        {
            var opt = (char)fmt[at++];
            var size = OptSize(c, opt, fmt, ref at);
            pos += ToAlign(pos, h, opt, size);
            if (opt == 's') throw c.ArgError(1, "size", "option 's' has no fixed size");
            if (opt == 'c' && size == 0) throw c.ArgError(1, "size", "option 'c0' has no fixed size");
            if (!char.IsAsciiLetterOrDigit(opt)) ControlOptions(c, opt, fmt, ref at, ref h, "size");
            pos += size;
        }
        c.PushInteger(pos);
        return 1;
    }
}
