using System.Runtime.InteropServices;

namespace Serverless.Store.Scripting;

/// <summary>
/// The part of Lua 5.4's C API the scripting engine uses, bound to the liblua54 the KeraLua package
/// ships for every runtime. Bound here rather than through KeraLua's managed <c>Lua</c> class because
/// that class takes callbacks as delegates and raises Lua errors with <c>lua_error</c> from managed
/// code: a Lua error is a longjmp, and a longjmp over managed frames is undefined on Linux
/// (dotnet/runtime#1445; Garnet and NLua hit it). Here C functions are [UnmanagedCallersOnly]
/// methods that never raise: see <see cref="LuaScript"/> for how their errors are raised from
/// native code instead.
/// </summary>
internal static unsafe partial class LuaApi
{
    const string Lib = "lua54";

    public const int RegistryIndex = -1000000 - 1000; // LUA_REGISTRYINDEX (LUAI_MAXSTACK = 1000000)
    public const int MultiReturn = -1;

    // lua_type
    public const int TNone = -1, TNil = 0, TBoolean = 1, TLightUserData = 2, TNumber = 3, TString = 4, TTable = 5,
        TFunction = 6, TUserData = 7, TThread = 8;

    // thread status
    public const int Ok = 0, Yield = 1, ErrRun = 2, ErrSyntax = 3, ErrMem = 4, ErrErr = 5;

    // hook masks
    public const int MaskCall = 1, MaskRet = 2, MaskLine = 4, MaskCount = 8;

    // lua_gc
    public const int GcCollect = 2, GcCount = 3, GcCountB = 4, GcStep = 5;

    static LuaApi()
    {
        // Found where the package put it (runtimes/<rid>/native, listed in the app's deps.json).
        var lib = NativeLibrary.Load(Lib, typeof(LuaApi).Assembly, null);
        ErrorFunction = NativeLibrary.GetExport(lib, "lua_error");
        OpenBase = NativeLibrary.GetExport(lib, "luaopen_base");
        OpenTable = NativeLibrary.GetExport(lib, "luaopen_table");
        OpenString = NativeLibrary.GetExport(lib, "luaopen_string");
        OpenMath = NativeLibrary.GetExport(lib, "luaopen_math");
        OpenCoroutine = NativeLibrary.GetExport(lib, "luaopen_coroutine");
        OpenDebug = NativeLibrary.GetExport(lib, "luaopen_debug");
    }

    /// <summary>
    /// lua_error itself: installed as a count hook it raises from native code (the VM calls hooks),
    /// which is how an error decided in managed code is raised without a longjmp over it.
    /// </summary>
    public static readonly IntPtr ErrorFunction;

    public static readonly IntPtr OpenBase, OpenTable, OpenString, OpenMath, OpenCoroutine, OpenDebug;

    [LibraryImport(Lib)] public static partial IntPtr lua_newstate(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, nuint, nuint, IntPtr> f, IntPtr ud);
    [LibraryImport(Lib)] public static partial void lua_close(IntPtr L);
    [LibraryImport(Lib)] public static partial IntPtr lua_newthread(IntPtr L);
    [LibraryImport(Lib)] public static partial IntPtr lua_atpanic(IntPtr L, delegate* unmanaged[Cdecl]<IntPtr, int> f);

    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_gettop(IntPtr L);
    [LibraryImport(Lib)] public static partial void lua_settop(IntPtr L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushvalue(IntPtr L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_rotate(IntPtr L, int idx, int n);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_copy(IntPtr L, int from, int to);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_absindex(IntPtr L, int idx);
    [LibraryImport(Lib)] public static partial int lua_checkstack(IntPtr L, int n);
    [LibraryImport(Lib)] public static partial void lua_xmove(IntPtr from, IntPtr to, int n);

    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_type(IntPtr L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_isinteger(IntPtr L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_iscfunction(IntPtr L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial double lua_tonumberx(IntPtr L, int idx, int* isnum);
    [LibraryImport(Lib), SuppressGCTransition] public static partial long lua_tointegerx(IntPtr L, int idx, int* isnum);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_toboolean(IntPtr L, int idx);
    /// <summary>Converts a number in place (allocates): never with SuppressGCTransition.</summary>
    [LibraryImport(Lib)] public static partial byte* lua_tolstring(IntPtr L, int idx, nuint* len);
    [LibraryImport(Lib), SuppressGCTransition] public static partial ulong lua_rawlen(IntPtr L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial IntPtr lua_touserdata(IntPtr L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial IntPtr lua_topointer(IntPtr L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial IntPtr lua_tothread(IntPtr L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_rawequal(IntPtr L, int a, int b);
    [LibraryImport(Lib)] public static partial nuint lua_stringtonumber(IntPtr L, byte* s);

    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushnil(IntPtr L);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushnumber(IntPtr L, double n);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushinteger(IntPtr L, long n);
    [LibraryImport(Lib)] public static partial byte* lua_pushlstring(IntPtr L, byte* s, nuint len);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushboolean(IntPtr L, int b);
    [LibraryImport(Lib)] public static partial void lua_pushcclosure(IntPtr L, delegate* unmanaged[Cdecl]<IntPtr, int> fn, int n);
    [LibraryImport(Lib), SuppressGCTransition] public static partial void lua_pushlightuserdata(IntPtr L, IntPtr p);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_pushthread(IntPtr L);

    [LibraryImport(Lib)] public static partial void lua_createtable(IntPtr L, int narr, int nrec);
    [LibraryImport(Lib)] public static partial IntPtr lua_newuserdatauv(IntPtr L, nuint size, int nuvalue);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_getmetatable(IntPtr L, int idx);
    [LibraryImport(Lib)] public static partial int lua_setmetatable(IntPtr L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_rawget(IntPtr L, int idx);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_rawgeti(IntPtr L, int idx, long n);
    [LibraryImport(Lib)] public static partial void lua_rawset(IntPtr L, int idx);
    [LibraryImport(Lib)] public static partial void lua_rawseti(IntPtr L, int idx, long n);
    [LibraryImport(Lib)] public static partial int lua_next(IntPtr L, int idx);

    [LibraryImport(Lib)] public static partial int lua_pcallk(IntPtr L, int nargs, int nresults, int msgh, IntPtr ctx, IntPtr k);
    [LibraryImport(Lib)] public static partial int luaL_loadbufferx(IntPtr L, byte* buff, nuint sz, byte* name, byte* mode);
    [LibraryImport(Lib)] public static partial int lua_resume(IntPtr L, IntPtr from, int narg, int* nres);
    [LibraryImport(Lib), SuppressGCTransition] public static partial int lua_status(IntPtr L);
    [LibraryImport(Lib)] public static partial void luaL_requiref(IntPtr L, byte* modname, IntPtr openf, int glb);

    [LibraryImport(Lib)] public static partial int luaL_ref(IntPtr L, int t);
    [LibraryImport(Lib)] public static partial void luaL_unref(IntPtr L, int t, int r);
    [LibraryImport(Lib)] public static partial void lua_sethook(IntPtr L, IntPtr func, int mask, int count);
    [LibraryImport(Lib)] public static partial int lua_getstack(IntPtr L, int level, LuaDebug* ar);
    [LibraryImport(Lib)] public static partial int lua_getinfo(IntPtr L, byte* what, LuaDebug* ar);
    [LibraryImport(Lib)] public static partial int lua_gc(IntPtr L, int what, int arg);

    // ---------------------------------------------------------------- helpers

    public static void Pop(IntPtr L, int n) => lua_settop(L, -n - 1);

    public static void PushBytes(IntPtr L, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes) lua_pushlstring(L, p == null ? (byte*)1 : p, (nuint)bytes.Length);
    }

    public static void PushString(IntPtr L, string s)
    {
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(s.Length);
        if (max <= 256)
        {
            Span<byte> buffer = stackalloc byte[max];
            PushBytes(L, buffer[..System.Text.Encoding.UTF8.GetBytes(s, buffer)]);
        }
        else
        {
            PushBytes(L, System.Text.Encoding.UTF8.GetBytes(s));
        }
    }

    /// <summary>The bytes of a string (or number, converted in place as lua_tolstring does), or null.</summary>
    public static byte[]? ToBytes(IntPtr L, int idx)
    {
        nuint len;
        var p = lua_tolstring(L, idx, &len);
        return p == null ? null : new ReadOnlySpan<byte>(p, (int)len).ToArray();
    }

    public static string? ToText(IntPtr L, int idx)
    {
        nuint len;
        var p = lua_tolstring(L, idx, &len);
        return p == null ? null : System.Text.Encoding.UTF8.GetString(p, (int)len);
    }

    /// <summary>t[name] = value on top (raw), t at <paramref name="table"/>.</summary>
    public static void SetField(IntPtr L, int table, string name)
    {
        table = lua_absindex(L, table);
        PushString(L, name);
        lua_rotate(L, -2, 1);
        lua_rawset(L, table);
    }

    /// <summary>Pushes t[name] (raw).</summary>
    public static int GetField(IntPtr L, int table, string name)
    {
        table = lua_absindex(L, table);
        PushString(L, name);
        return lua_rawget(L, table);
    }

    public static int PCall(IntPtr L, int nargs, int nresults, int msgh) => lua_pcallk(L, nargs, nresults, msgh, IntPtr.Zero, IntPtr.Zero);

    public static double ToNumber(IntPtr L, int idx, out bool ok)
    {
        int isnum;
        var d = lua_tonumberx(L, idx, &isnum);
        ok = isnum != 0;
        return d;
    }

    public static string TypeName(int type) => type switch
    {
        TNil => "nil",
        TBoolean => "boolean",
        TLightUserData or TUserData => "userdata",
        TNumber => "number",
        TString => "string",
        TTable => "table",
        TFunction => "function",
        TThread => "thread",
        _ => "no value",
    };

    /// <summary>Where frame <paramref name="level"/> of the stack is: its source ("@user_script") and current line; false past the stack.</summary>
    public static bool Where(IntPtr L, int level, out string source, out int line, out bool isC)
    {
        LuaDebug ar;
        source = "";
        line = -1;
        isC = false;
        if (lua_getstack(L, level, &ar) == 0) return false;
        var what = "Sl"u8;
        fixed (byte* w = what)
        {
            var spec = stackalloc byte[3];
            spec[0] = w[0];
            spec[1] = w[1];
            spec[2] = 0;
            lua_getinfo(L, spec, &ar);
        }
        source = ar.source == null ? "" : Marshal.PtrToStringUTF8((IntPtr)ar.source, (int)ar.srclen) ?? "";
        line = ar.currentline;
        isC = ar.what != null && ar.what[0] == (byte)'C';
        return true;
    }
}

/// <summary>Lua 5.4's lua_Debug, up to the private pointer the C library fills in.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LuaDebug
{
    public int @event;
    public byte* name;
    public byte* namewhat;
    public byte* what;
    public byte* source;
    public nuint srclen;
    public int currentline;
    public int linedefined;
    public int lastlinedefined;
    public byte nups;
    public byte nparams;
    public byte isvararg;
    public byte istailcall;
    public ushort ftransfer;
    public ushort ntransfer;
    public fixed byte short_src[60];
    public IntPtr i_ci;
}
