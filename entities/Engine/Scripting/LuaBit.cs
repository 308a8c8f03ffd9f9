using static Serverless.Store.Scripting.LuaApi;

namespace Serverless.Store.Scripting;

/// <summary>
/// LuaBitOp 1.0.2 (Redis's deps/lua/src/lua_bit.c) in C#: Redis compiles it into its Lua 5.1 and no
/// package brings it to Lua 5.4. 32-bit operations on numbers, results as signed 32-bit numbers.
/// </summary>
internal static unsafe class LuaBit
{
    public static void Open(IntPtr L)
    {
        lua_createtable(L, 0, 12);
        LuaFunctions.Set(L, -1, "tobit", &ToBit);
        LuaFunctions.Set(L, -1, "bnot", &BNot);
        LuaFunctions.Set(L, -1, "band", &BAnd);
        LuaFunctions.Set(L, -1, "bor", &BOr);
        LuaFunctions.Set(L, -1, "bxor", &BXor);
        LuaFunctions.Set(L, -1, "lshift", &LShift);
        LuaFunctions.Set(L, -1, "rshift", &RShift);
        LuaFunctions.Set(L, -1, "arshift", &ArShift);
        LuaFunctions.Set(L, -1, "rol", &Rol);
        LuaFunctions.Set(L, -1, "ror", &Ror);
        LuaFunctions.Set(L, -1, "bswap", &BSwap);
        LuaFunctions.Set(L, -1, "tohex", &ToHex);
    }

    /// <summary>barg: the number's low 32 bits after adding 2^52+2^51 (rounds to the nearest integer, wraps modulo 2^32).</summary>
    static uint Arg(LuaCall c, int index, string function)
    {
        var n = ToNumber(c.L, index, out var isNumber);
        var b = (uint)BitConverter.DoubleToUInt64Bits(n + 6755399441055744.0);
        if (b == 0 && !isNumber) throw c.TypeError(index, function, "number");
        return b;
    }

    static int Result(LuaCall c, uint b)
    {
        c.PushInteger((int)b);
        return 1;
    }

    static int ToBit(LuaCall c) => Result(c, Arg(c, 1, "tobit"));
    static int BNot(LuaCall c) => Result(c, ~Arg(c, 1, "bnot"));
    static int BAnd(LuaCall c) => Fold(c, "band", (a, b) => a & b);
    static int BOr(LuaCall c) => Fold(c, "bor", (a, b) => a | b);
    static int BXor(LuaCall c) => Fold(c, "bxor", (a, b) => a ^ b);

    /// <summary>BIT_OP: the first argument combined with the others, from the last one down.</summary>
    static int Fold(LuaCall c, string function, Func<uint, uint, uint> op)
    {
        var b = Arg(c, 1, function);
        for (var i = c.Top; i > 1; i--) b = op(b, Arg(c, i, function));
        return Result(c, b);
    }

    static int Shift(LuaCall c, string function, Func<uint, int, uint> op)
    {
        var b = Arg(c, 1, function);
        var n = (int)(Arg(c, 2, function) & 31);
        return Result(c, op(b, n));
    }

    static int LShift(LuaCall c) => Shift(c, "lshift", (b, n) => b << n);
    static int RShift(LuaCall c) => Shift(c, "rshift", (b, n) => b >> n);
    static int ArShift(LuaCall c) => Shift(c, "arshift", (b, n) => (uint)((int)b >> n));
    static int Rol(LuaCall c) => Shift(c, "rol", (b, n) => (b << n) | (b >> (32 - n)));
    static int Ror(LuaCall c) => Shift(c, "ror", (b, n) => (b << (32 - n)) | (b >> n));

    static int BSwap(LuaCall c)
    {
        var b = Arg(c, 1, "bswap");
        return Result(c, (b >> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24));
    }

    static int ToHex(LuaCall c)
    {
        var b = Arg(c, 1, "tohex");
        var n = c.Type(2) == TNone ? 8 : (int)Arg(c, 2, "tohex");
        var digits = "0123456789abcdef";
        if (n < 0)
        {
            n = -n;
            digits = "0123456789ABCDEF";
        }
        if (n > 8) n = 8;
        var buffer = new char[n];
        for (var i = n; --i >= 0;)
        {
            buffer[i] = digits[(int)(b & 15)];
            b >>= 4;
        }
        c.PushString(new string(buffer));
        return 1;
    }
}
