using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using static Serverless.Store.Scripting.LuaApi;

namespace Serverless.Store.Scripting;

/// <summary>
/// One call of a Lua function written in C#: its arguments on the stack and lauxlib's checks with
/// Lua 5.1's messages ("bad argument #1 to 'rep' (number expected, got no value)"), prefixed with
/// where the caller is, as luaL_error does.
/// </summary>
internal readonly unsafe struct LuaCall(IntPtr state, LuaVm vm)
{
    public IntPtr L { get; } = state;
    public LuaVm Vm { get; } = vm;
    public ScriptRun? Run => Vm.Run;

    public int Top => lua_gettop(L);
    public int Type(int arg) => lua_type(L, arg);
    public bool IsNoneOrNil(int arg) => lua_type(L, arg) <= TNil;

    /// <summary>luaL_where(L, 1): "user_script:3: " when the caller is Lua code, else "".</summary>
    public string Where() => Where(L);

    public static string Where(IntPtr L) =>
        LuaApi.Where(L, 1, out var source, out var line, out _) && line > 0 ? $"{ShortSource(source)}:{line}: " : "";

    static string ShortSource(string source) => source.Length > 0 && source[0] is '@' or '=' ? source[1..] : $"[string \"{source}\"]";

    public LuaError Error(string message) => new(LuaErrorValue.Message(Where() + message));

    public LuaError ArgError(int arg, string function, string extra) => Error($"bad argument #{arg} to '{function}' ({extra})");

    public LuaError TypeError(int arg, string function, string expected) =>
        ArgError(arg, function, $"{expected} expected, got {TypeName(lua_type(L, arg))}");

    public double CheckNumber(int arg, string function)
    {
        var d = ToNumber(L, arg, out var ok);
        return ok ? d : throw TypeError(arg, function, "number");
    }

    /// <summary>luaL_checkinteger of 5.1: the number truncated (5.4 would refuse 2.5).</summary>
    public long CheckInteger(int arg, string function)
    {
        if (lua_isinteger(L, arg) != 0) return lua_tointegerx(L, arg, null);
        return LuaNumbers.ToCLong(CheckNumber(arg, function));
    }

    public long OptInteger(int arg, string function, long fallback) => IsNoneOrNil(arg) ? fallback : CheckInteger(arg, function);

    /// <summary>luaL_checkint of 5.1: (int) of the integer.</summary>
    public int CheckInt(int arg, string function) => unchecked((int)CheckInteger(arg, function));

    /// <summary>luaL_checklstring of 5.1: a string, or a number in 5.1's text.</summary>
    public byte[] CheckBytes(int arg, string function) => ToBytesOrNull(arg) ?? throw TypeError(arg, function, "string");

    public byte[]? ToBytesOrNull(int arg) => lua_type(L, arg) switch
    {
        TString => ToBytes(L, arg),
        TNumber => Encoding.ASCII.GetBytes(NumberText(arg)),
        _ => null,
    };

    public string CheckText(int arg, string function) => Encoding.UTF8.GetString(CheckBytes(arg, function));

    public void CheckTable(int arg, string function)
    {
        if (lua_type(L, arg) != TTable) throw TypeError(arg, function, "table");
    }

    public void CheckAny(int arg, string function)
    {
        if (lua_type(L, arg) == TNone) throw ArgError(arg, function, "value expected");
    }

    /// <summary>A number as Lua 5.1 prints it ("%.14g" of its double).</summary>
    public string NumberText(int arg) => LuaNumbers.ToText(lua_tonumberx(L, arg, null));

    public void PushBytes(ReadOnlySpan<byte> bytes) => LuaApi.PushBytes(L, bytes);
    public void PushString(string s) => LuaApi.PushString(L, s);
    public void PushInteger(long n) => lua_pushinteger(L, n);
    public void PushBoolean(bool b) => lua_pushboolean(L, b ? 1 : 0);
    public void PushNil() => lua_pushnil(L);

    /// <summary>Pushes a number as Lua 5.1 would have it, but integral values as integers (so 5.4 prints them as 5.1 did).</summary>
    public void PushNumber(double d) => LuaText.PushNumber(L, d);
}

/// <summary>Values as text the way Lua 5.1 writes them, and numbers pushed so that 5.4 writes them the same.</summary>
internal static unsafe class LuaText
{
    /// <summary>Pushes an integral double that fits (below 2^53) as an integer: 5.4 prints it "5" as 5.1 did, not "5.0".</summary>
    public static void PushNumber(IntPtr L, double d)
    {
        if (d == Math.Floor(d) && Math.Abs(d) < 9007199254740992.0 && !(d == 0 && double.IsNegative(d))) lua_pushinteger(L, (long)d);
        else lua_pushnumber(L, d);
    }

    /// <summary>tostring without metamethods: 5.1's numbers, "table: 0x...".</summary>
    public static string ToDisplayString(IntPtr L, int index) => lua_type(L, index) switch
    {
        TNil or TNone => "nil",
        TBoolean => lua_toboolean(L, index) != 0 ? "true" : "false",
        TNumber => LuaNumbers.ToText(lua_tonumberx(L, index, null)),
        TString => ToText(L, index) ?? "",
        var type => $"{TypeName(type)}: 0x{(long)lua_topointer(L, index):x14}",
    };
}

/// <summary>
/// Lua functions written in C# go through one native entry, <see cref="Dispatch"/>, with the body
/// as the closure's upvalue: one [UnmanagedCallersOnly] method for all of them.
/// </summary>
internal static unsafe class LuaFunctions
{
    /// <summary>Pushes a Lua function whose body is <paramref name="body"/>.</summary>
    public static void Push(IntPtr L, delegate*<LuaCall, int> body)
    {
        lua_pushlightuserdata(L, (IntPtr)body);
        lua_pushcclosure(L, &Dispatch, 1);
    }

    /// <summary>Pushes a closure whose body is <paramref name="body"/>, over the <paramref name="upvalues"/> values on top (upvalue 2 on).</summary>
    public static void PushClosure(IntPtr L, delegate*<LuaCall, int> body, int upvalues)
    {
        lua_pushlightuserdata(L, (IntPtr)body);
        lua_rotate(L, -upvalues - 1, 1);
        lua_pushcclosure(L, &Dispatch, upvalues + 1);
    }

    /// <summary>The pseudo-index of a closure's upvalue (1: the body).</summary>
    public static int Upvalue(int i) => FirstUpvalue - (i - 1);

    /// <summary>table[name] = function (raw); the table at <paramref name="table"/>.</summary>
    public static void Set(IntPtr L, int table, string name, delegate*<LuaCall, int> body)
    {
        table = lua_absindex(L, table);
        Push(L, body);
        SetField(L, table, name);
    }

    const int FirstUpvalue = RegistryIndex - 1;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Dispatch(IntPtr L) => LuaVm.Invoke(L, (delegate*<LuaCall, int>)lua_touserdata(L, FirstUpvalue));
}
