using System.Text;
using static Serverless.Store.Scripting.LuaApi;

namespace Serverless.Store.Scripting;

/// <summary>
/// Where Lua 5.4's base, string, table, math and coroutine libraries differ from the 5.1 ones
/// Redis's scripts use, the 5.1 behaviour, one shim per difference, each saying why; and the
/// functions that catch errors (pcall, xpcall, coroutine.resume), written here so that errors
/// raised by C# functions come out as they were raised (see <see cref="LuaVm"/>).
/// </summary>
internal static unsafe partial class LuaBaseLibrary
{
    /// <summary>5.4 names a bad format spec in full ("invalid conversion '%5y'"), 5.1 by its letter ("invalid option '%y'").</summary>
    [System.Text.RegularExpressions.GeneratedRegex("invalid conversion '%[^']*?(.)'")]
    private static partial System.Text.RegularExpressions.Regex InvalidConversion();

    public static void Open(IntPtr L, int g)
    {
        // 5.4 globals Redis's Lua 5.1 does not have, and those Redis removes (dofile, loadfile, print).
        foreach (var name in new[] { "dofile", "loadfile", "print", "warn", "rawlen" })
        {
            lua_pushnil(L);
            SetField(L, g, name);
        }
        LuaFunctions.Set(L, g, "tostring", &ToString);
        LuaFunctions.Set(L, g, "pcall", &PCall);
        LuaFunctions.Set(L, g, "xpcall", &XPCall);
        LuaFunctions.Set(L, g, "unpack", &Unpack);
        LuaFunctions.Set(L, g, "gcinfo", &GcInfo);
        LuaFunctions.Set(L, g, "loadstring", &LoadString);
        LuaFunctions.Set(L, g, "load", &Load);
        LuaFunctions.Set(L, g, "setmetatable", &SetMetatable);
        LuaFunctions.Set(L, g, "rawset", &RawSet);

        GetField(L, g, "string");
        var s = lua_gettop(L);
        Remove(L, s, "pack", "packsize", "unpack"); // 5.3 additions
        GetField(L, s, "gmatch");
        SetField(L, s, "gfind"); // 5.1's old name for gmatch
        LuaFunctions.Set(L, s, "format", &Format);
        Pop(L, 1);

        GetField(L, g, "table");
        var t = lua_gettop(L);
        Remove(L, t, "move", "pack", "unpack"); // 5.2+ additions
        LuaFunctions.Set(L, t, "getn", &GetN);
        LuaFunctions.Set(L, t, "setn", &SetN);
        LuaFunctions.Set(L, t, "maxn", &MaxN);
        LuaFunctions.Set(L, t, "foreach", &ForEach);
        LuaFunctions.Set(L, t, "foreachi", &ForEachI);
        Pop(L, 1);

        GetField(L, g, "math");
        var m = lua_gettop(L);
        Remove(L, m, "maxinteger", "mininteger", "tointeger", "type", "ult"); // 5.3 integer additions
        // 5.1 functions 5.4 dropped.
        LuaFunctions.Set(L, m, "atan2", &Atan2);
        LuaFunctions.Set(L, m, "cosh", &Cosh);
        LuaFunctions.Set(L, m, "sinh", &Sinh);
        LuaFunctions.Set(L, m, "tanh", &Tanh);
        LuaFunctions.Set(L, m, "pow", &Pow);
        LuaFunctions.Set(L, m, "frexp", &Frexp);
        LuaFunctions.Set(L, m, "ldexp", &Ldexp);
        LuaFunctions.Set(L, m, "log10", &Log10);
        LuaFunctions.Set(L, m, "mod", &Fmod);
        // Redis's own deterministic generator (rand.c), not libc's.
        LuaFunctions.Set(L, m, "random", &Random);
        LuaFunctions.Set(L, m, "randomseed", &RandomSeed);
        Pop(L, 1);

        GetField(L, g, "coroutine");
        var c = lua_gettop(L);
        Remove(L, c, "close", "isyieldable"); // 5.4 additions
        LuaFunctions.Set(L, c, "resume", &Resume);
        LuaFunctions.Set(L, c, "wrap", &Wrap);
        Pop(L, 1);
    }

    static void Remove(IntPtr L, int table, params string[] names)
    {
        foreach (var name in names)
        {
            lua_pushnil(L);
            SetField(L, table, name);
        }
    }

    static void PushNative(IntPtr L, string name) => GetField(L, RegistryIndex, "native." + name);

    // ------------------------------------------------------------ protection

    public static int Identity(LuaCall c) => c.Top;

    public static int ReadOnlyError(LuaCall c) => throw c.Error("Attempt to modify a readonly table");

    /// <summary>Redis raises it inside the C function (lua_rawset, lua_setmetatable), where there is no line to show.</summary>
    static LuaError ReadOnlyInC() => new(LuaErrorValue.Message("Attempt to modify a readonly table"));

    public static int NonexistentGlobal(LuaCall c)
    {
        var name = c.ToBytesOrNull(2) is { } k ? Encoding.UTF8.GetString(k) : "?";
        throw c.Error($"Script attempted to access nonexistent global variable '{name}'");
    }

    /// <summary>pairs over a read-only view iterates the table behind it.</summary>
    public static int ProxyPairs(LuaCall c)
    {
        PushNative(c.L, "next");
        lua_getmetatable(c.L, 1);
        GetField(c.L, -1, "__index");
        lua_rotate(c.L, -2, 1);
        Pop(c.L, 1);
        lua_pushnil(c.L);
        return 3;
    }

    /// <summary>rawset, refusing the read-only tables (Redis's lua_rawset checks its read-only flag).</summary>
    static int RawSet(LuaCall c)
    {
        c.CheckTable(1, "rawset");
        c.CheckAny(2, "rawset");
        c.CheckAny(3, "rawset");
        if (c.Vm.IsReadOnly(lua_topointer(c.L, 1))) throw ReadOnlyInC();
        if (c.Type(2) == TNil) throw c.Error("table index is nil");
        if (c.Type(2) == TNumber && double.IsNaN(lua_tonumberx(c.L, 2, null))) throw c.Error("table index is NaN");
        lua_settop(c.L, 3);
        lua_rawset(c.L, 1);
        return 1;
    }

    /// <summary>
    /// setmetatable, refusing the read-only tables, and without __gc: 5.1 never finalizes tables, and
    /// a finalizer would run outside the run's budget (5.4 runs them with hooks off).
    /// </summary>
    static int SetMetatable(LuaCall c)
    {
        var L = c.L;
        c.CheckTable(1, "setmetatable");
        var t = c.Type(2);
        if (t != TNil && t != TTable) throw c.ArgError(2, "setmetatable", "nil or table expected");
        if (c.Vm.IsReadOnly(lua_topointer(L, 1))) throw ReadOnlyInC();
        if (lua_getmetatable(L, 1) != 0)
        {
            var isProtected = GetField(L, -1, "__metatable") != TNil;
            Pop(L, 2);
            if (isProtected) throw c.Error("cannot change a protected metatable");
        }
        lua_settop(L, 2);
        var hasGc = t == TTable && GetField(L, 2, "__gc") != TNil;
        if (hasGc)
        {
            lua_pushnil(L);
            SetField(L, 2, "__gc");
        }
        lua_pushvalue(L, 2);
        lua_setmetatable(L, 1);
        if (hasGc) SetField(L, 2, "__gc"); // the value fetched above, back in place
        lua_settop(L, 1);
        return 1;
    }

    // ------------------------------------------------------------ base

    /// <summary>tostring: numbers as 5.1 prints them ("%.14g": 10/2 is "5", not 5.4's "5.0").</summary>
    static int ToString(LuaCall c)
    {
        c.CheckAny(1, "tostring");
        switch (c.Type(1))
        {
            case TNumber:
                c.PushString(c.NumberText(1));
                return 1;
            case TString:
                lua_settop(c.L, 1);
                return 1;
            case TNil or TBoolean:
                c.PushString(LuaText.ToDisplayString(c.L, 1));
                return 1;
            default: // tables and userdata may have __tostring
                lua_settop(c.L, 1);
                PushNative(c.L, "tostring");
                lua_rotate(c.L, 1, 1);
                return c.Vm.CallLua(c.L, 1, 1);
        }
    }

    /// <summary>
    /// Redis's pcall (luaRedisPcall): an error table from redis.call comes back as its message string.
    /// Written here so errors raised by C# functions come back as raised.
    /// </summary>
    static int PCall(LuaCall c)
    {
        var L = c.L;
        if (c.Top == 0) return Failed(c, "attempt to call a boolean value"); // luaRedisPcall calls its placeholder
        var status = c.Vm.ProtectedCall(L, c.Top - 1);
        if (status == Ok && c.Vm.Pending is null)
        {
            lua_pushboolean(L, 1);
            lua_rotate(L, 1, 1);
            return lua_gettop(L);
        }
        var raised = c.Vm.TakeError(L, status);
        if (raised is not null)
        {
            lua_settop(L, 0);
            c.PushString(raised.Text);
        }
        else
        {
            lua_rotate(L, 1, 1); // the error value, alone at the bottom
            lua_settop(L, 1);
            if (lua_type(L, 1) == TTable && GetField(L, 1, "err") == TString) lua_rotate(L, 1, 1);
            lua_settop(L, 1);
        }
        lua_pushboolean(L, 0);
        lua_rotate(L, 1, 1);
        return 2;
    }

    /// <summary>5.1's xpcall(f, handler): f gets no arguments; the handler gets the error value and its result is returned after false.</summary>
    static int XPCall(LuaCall c)
    {
        var L = c.L;
        c.CheckAny(2, "xpcall");
        lua_settop(L, 2);
        lua_pushvalue(L, 1);
        var status = c.Vm.ProtectedCall(L, 0);
        if (status == Ok && c.Vm.Pending is null)
        {
            lua_pushboolean(L, 1);
            lua_rotate(L, 3, 1);
            return lua_gettop(L) - 2;
        }
        var raised = c.Vm.TakeError(L, status);
        if (raised is not null)
        {
            lua_settop(L, 2);
            PushErrorValue(L, raised);
        }
        lua_settop(L, 3); // handler at 2, error value at 3
        lua_pushvalue(L, 2);
        lua_rotate(L, 3, 1);
        c.Vm.CallLua(L, 1, 1);
        lua_pushboolean(L, 0);
        lua_rotate(L, -2, 1);
        return 2;
    }

    /// <summary>An error a C# function raised, as the Lua value 5.1 code would have caught: a Redis error table or a message.</summary>
    static void PushErrorValue(IntPtr L, LuaErrorValue error)
    {
        if (error.IsTable) LuaReplies.PushSingleField(L, "err", error.Text);
        else PushString(L, error.Text);
    }

    /// <summary>5.1's global unpack (5.4 moved it to table.unpack).</summary>
    static int Unpack(LuaCall c)
    {
        var L = c.L;
        c.CheckTable(1, "unpack");
        var first = c.IsNoneOrNil(2) ? 1 : c.CheckInt(2, "unpack");
        var last = c.IsNoneOrNil(3) ? (long)lua_rawlen(L, 1) : c.CheckInt(3, "unpack");
        if (first > last) return 0;
        var n = last - first + 1;
        if (n <= 0 || n >= int.MaxValue || lua_checkstack(L, (int)n) == 0) throw c.Error("too many results to unpack");
        for (var i = first; i <= last; i++) lua_rawgeti(L, 1, i);
        return (int)n;
    }

    /// <summary>5.1's gcinfo(): kilobytes in use.</summary>
    static int GcInfo(LuaCall c)
    {
        c.PushInteger(lua_gc(c.L, GcCount, 0));
        return 1;
    }

    /// <summary>5.1's loadstring (5.2 folded it into load): text only, as Redis refuses bytecode.</summary>
    static int LoadString(LuaCall c)
    {
        var code = c.CheckBytes(1, "loadstring");
        var name = c.IsNoneOrNil(2) ? Encoding.UTF8.GetString(code) : c.CheckText(2, "loadstring");
        if (c.Vm.Compile(code, name) is { } error)
        {
            c.PushNil();
            c.PushString(error);
            return 2;
        }
        return 1;
    }

    /// <summary>5.1's load takes a reader function only (5.4's also takes strings, and bytecode): text only.</summary>
    static int Load(LuaCall c)
    {
        var L = c.L;
        if (c.Type(1) != TFunction) throw c.TypeError(1, "load", "function");
        var name = c.IsNoneOrNil(2) ? "=(load)" : c.CheckText(2, "load");
        lua_settop(L, 1);
        PushNative(L, "load");
        lua_rotate(L, 1, 1);
        c.PushString(name);
        c.PushString("t");
        return c.Vm.CallLua(L, 3, LuaApi.MultiReturn);
    }

    // ------------------------------------------------------------ string

    /// <summary>
    /// string.format as 5.1: %d and friends take any number (5.4 refuses 2.5: "no integer
    /// representation"), and %s / %q write numbers as 5.1 does ("5", not "5.0"; %q no hex floats).
    /// </summary>
    static int Format(LuaCall c)
    {
        var L = c.L;
        var format = c.CheckBytes(1, "format");
        var arg = 1;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%') continue;
            if (++i < format.Length && format[i] == '%') continue;
            while (i < format.Length && "-+ #0"u8.IndexOf(format[i]) >= 0) i++;
            while (i < format.Length && (char.IsAsciiDigit((char)format[i]) || format[i] == '.')) i++;
            if (i >= format.Length) break;
            if (++arg > c.Top) break; // the native format reports the missing argument
            switch ((char)format[i])
            {
                case 'd' or 'i' or 'c' or 'o' or 'u' or 'x' or 'X':
                    if (c.Type(arg) is TNumber or TString && lua_isinteger(L, arg) == 0)
                    {
                        var d = ToNumber(L, arg, out var ok);
                        if (!ok) break;
                        lua_pushinteger(L, LuaNumbers.ToCLong(d));
                        lua_copy(L, -1, arg);
                        Pop(L, 1);
                    }
                    break;
                case 's' or 'q':
                    if (c.Type(arg) == TNumber)
                    {
                        c.PushString(c.NumberText(arg));
                        lua_copy(L, -1, arg);
                        Pop(L, 1);
                    }
                    break;
            }
        }
        var n = c.Top;
        PushNative(L, "format");
        lua_rotate(L, 1, 1);
        try
        {
            return c.Vm.CallLua(L, n, 1);
        }
        catch (LuaError e) when (!e.Error.IsTable)
        {
            // The native function names itself by its library path and has no Lua caller of its own.
            throw c.Error(InvalidConversion().Replace(e.Error.Text.Replace("'string.format'", "'format'").Replace("'?'", "'format'"), "invalid option '%$1'"));
        }
    }

    // ------------------------------------------------------------ table

    /// <summary>5.1's table.getn: the length (5.4 dropped it for #).</summary>
    static int GetN(LuaCall c)
    {
        c.CheckTable(1, "getn");
        c.PushInteger((long)lua_rawlen(c.L, 1));
        return 1;
    }

    static int SetN(LuaCall c) => throw c.Error("'setn' is obsolete");

    /// <summary>5.1's table.maxn: the largest positive numeric key.</summary>
    static int MaxN(LuaCall c)
    {
        var L = c.L;
        c.CheckTable(1, "maxn");
        double max = 0;
        lua_pushnil(L);
        while (lua_next(L, 1) != 0)
        {
            Pop(L, 1);
            if (lua_type(L, -1) == TNumber)
            {
                var v = lua_tonumberx(L, -1, null);
                if (v > max) max = v;
            }
        }
        c.PushNumber(max);
        return 1;
    }

    /// <summary>5.1's table.foreach(t, f): f(k, v) for each pair until it returns non-nil.</summary>
    static int ForEach(LuaCall c)
    {
        var L = c.L;
        c.CheckTable(1, "foreach");
        if (c.Type(2) != TFunction) throw c.TypeError(2, "foreach", "function");
        lua_settop(L, 2);
        lua_pushnil(L);
        while (lua_next(L, 1) != 0)
        {
            lua_pushvalue(L, 2);
            lua_pushvalue(L, -3);
            lua_pushvalue(L, -3);
            c.Vm.CallLua(L, 2, 1);
            if (lua_type(L, -1) != TNil) return 1;
            Pop(L, 2);
        }
        return 0;
    }

    /// <summary>5.1's table.foreachi(t, f): f(i, t[i]) for i = 1..#t until it returns non-nil.</summary>
    static int ForEachI(LuaCall c)
    {
        var L = c.L;
        c.CheckTable(1, "foreachi");
        if (c.Type(2) != TFunction) throw c.TypeError(2, "foreachi", "function");
        var n = (long)lua_rawlen(L, 1);
        for (long i = 1; i <= n; i++)
        {
            lua_pushvalue(L, 2);
            lua_pushinteger(L, i);
            lua_rawgeti(L, 1, i);
            c.Vm.CallLua(L, 2, 1);
            if (lua_type(L, -1) != TNil) return 1;
            Pop(L, 1);
        }
        return 0;
    }

    // ------------------------------------------------------------ math

    static int Atan2(LuaCall c) => Number(c, Math.Atan2(c.CheckNumber(1, "atan2"), c.CheckNumber(2, "atan2")));
    static int Cosh(LuaCall c) => Number(c, Math.Cosh(c.CheckNumber(1, "cosh")));
    static int Sinh(LuaCall c) => Number(c, Math.Sinh(c.CheckNumber(1, "sinh")));
    static int Tanh(LuaCall c) => Number(c, Math.Tanh(c.CheckNumber(1, "tanh")));
    static int Pow(LuaCall c) => Number(c, Math.Pow(c.CheckNumber(1, "pow"), c.CheckNumber(2, "pow")));
    static int Log10(LuaCall c) => Number(c, Math.Log10(c.CheckNumber(1, "log10")));
    static int Fmod(LuaCall c) => Number(c, c.CheckNumber(1, "mod") % c.CheckNumber(2, "mod"));
    static int Ldexp(LuaCall c) => Number(c, Math.ScaleB(c.CheckNumber(1, "ldexp"), c.CheckInt(2, "ldexp")));

    static int Frexp(LuaCall c)
    {
        var x = c.CheckNumber(1, "frexp");
        if (x == 0 || double.IsNaN(x) || double.IsInfinity(x))
        {
            lua_pushnumber(c.L, x);
            c.PushInteger(0);
            return 2;
        }
        var e = Math.ILogB(x) + 1;
        lua_pushnumber(c.L, Math.ScaleB(x, -e));
        c.PushInteger(e);
        return 2;
    }

    /// <summary>Math results stay floats, as 5.4's own math functions leave them.</summary>
    static int Number(LuaCall c, double d)
    {
        lua_pushnumber(c.L, d);
        return 1;
    }

    /// <summary>redis_math_random: Lua 5.1's math.random over Redis's rand48.</summary>
    static int Random(LuaCall c)
    {
        var run = c.Run ?? throw c.Error("math.random can only be called inside a script invocation");
        var r = (double)(run.Random.Next() % Rand48.Max) / Rand48.Max;
        switch (c.Top)
        {
            case 0:
                lua_pushnumber(c.L, r);
                return 1;
            case 1:
            {
                var u = c.CheckInt(1, "random");
                if (u < 1) throw c.ArgError(1, "random", "interval is empty");
                c.PushInteger((long)Math.Floor(r * u) + 1);
                return 1;
            }
            case 2:
            {
                var l = c.CheckInt(1, "random");
                var u = c.CheckInt(2, "random");
                if (l > u) throw c.ArgError(2, "random", "interval is empty");
                c.PushInteger((long)Math.Floor(r * ((double)u - l + 1)) + l);
                return 1;
            }
            default:
                throw c.Error("wrong number of arguments");
        }
    }

    static int RandomSeed(LuaCall c)
    {
        var run = c.Run ?? throw c.Error("math.randomseed can only be called inside a script invocation");
        run.Random.Seed(c.CheckInt(1, "randomseed"));
        return 0;
    }

    // ------------------------------------------------------------ coroutine

    /// <summary>coroutine.resume, written here so an error a C# function raised inside the coroutine comes back as raised.</summary>
    static int Resume(LuaCall c)
    {
        var L = c.L;
        var co = lua_tothread(L, 1);
        if (co == IntPtr.Zero) throw c.ArgError(1, "resume", "coroutine expected");
        var status = ResumeWith(c, co, c.Top - 1, out var nresults, out var refusal);
        if (refusal is not null) return Failed(c, refusal);
        if (status < 0)
        {
            lua_pushboolean(L, 1);
            lua_rotate(L, -nresults - 1, 1);
            return nresults + 1;
        }
        lua_pushboolean(L, 0);
        var raised = c.Vm.TakeError(L, status);
        if (raised is not null) PushErrorValue(L, raised);
        else lua_xmove(co, L, 1);
        return 2;
    }

    /// <summary>coroutine.wrap, for the same reason as resume: the function it returns resumes and re-raises here.</summary>
    static int Wrap(LuaCall c)
    {
        var L = c.L;
        if (c.Type(1) != TFunction) throw c.TypeError(1, "wrap", "function");
        var co = lua_newthread(L);
        lua_pushvalue(L, 1);
        lua_xmove(L, co, 1);
        LuaFunctions.PushClosure(L, &Wrapped, 1);
        return 1;
    }

    static int Wrapped(LuaCall c)
    {
        var L = c.L;
        var co = lua_tothread(L, LuaFunctions.Upvalue(2));
        var status = ResumeWith(c, co, c.Top, out var nresults, out var refusal);
        if (refusal is not null) throw c.Error(refusal);
        if (status < 0) return nresults;
        var raised = c.Vm.TakeError(L, status);
        if (c.Run?.Stopped is not null) throw new ScriptStopped();
        if (raised is not null) throw new LuaError(raised with { Source = null }); // located here, where co() was called
        lua_xmove(co, L, 1);
        var error = LuaErrorValue.FromStack(L, -1);
        throw error.IsTable ? new LuaError(error) : c.Error(error.Text);
    }

    /// <summary>
    /// Resumes <paramref name="co"/> with the top <paramref name="nargs"/> values (auxresume): -1 and
    /// its results moved on top when it yielded or returned, else the failed status (the error value
    /// still on the coroutine); <paramref name="refusal"/> when it cannot be resumed at all.
    /// </summary>
    static int ResumeWith(LuaCall c, IntPtr co, int nargs, out int nresults, out string? refusal)
    {
        var L = c.L;
        nresults = 0;
        refusal = null;
        if (lua_checkstack(co, nargs) == 0) refusal = "too many arguments to resume";
        else if (lua_status(co) == Ok && lua_gettop(co) == 0) refusal = "cannot resume dead coroutine";
        if (refusal is not null) return -1;
        lua_xmove(L, co, nargs);
        var status = c.Vm.Resume(co, L, nargs, out nresults);
        if ((status != Ok && status != Yield) || c.Vm.Pending is not null) return status == Ok || status == Yield ? ErrRun : status;
        if (lua_checkstack(L, nresults + 1) == 0)
        {
            refusal = "too many results to resume";
            return -1;
        }
        lua_xmove(co, L, nresults);
        return -1;
    }

    static int Failed(LuaCall c, string message)
    {
        c.PushBoolean(false);
        c.PushString(message);
        return 2;
    }
}
