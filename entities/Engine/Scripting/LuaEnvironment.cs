using System.Text;
using static Serverless.Store.Scripting.LuaApi;

namespace Serverless.Store.Scripting;

/// <summary>
/// Builds Redis 7.0's script environment in a Lua 5.4 state: the globals Redis leaves scripts
/// (script_lua.c's allow lists, less dofile/loadfile/print), Lua 5.1's library tables where 5.4
/// differs (the shims are in <see cref="LuaBaseLibrary"/>, each saying why), Redis's libraries,
/// and read-only protection. Redis marks tables read-only inside its patched Lua; 5.4 cannot, so
/// every library table (and the globals) is seen through an empty proxy whose writes raise
/// "Attempt to modify a readonly table" and whose reads of unknown globals raise "Script attempted
/// to access nonexistent global variable 'x'", Redis's texts.
/// </summary>
internal static unsafe class LuaEnvironment
{
    /// <summary>The library tables scripts see (and may not change), in Redis's allow list.</summary>
    static readonly string[] Libraries = ["string", "table", "math", "coroutine", "cjson", "bit", "struct", "cmsgpack", "redis"];

    public static void Build(LuaVm vm)
    {
        var L = vm.L;
        Require(L, "_G", OpenBase);
        Require(L, "table", OpenTable);
        Require(L, "string", OpenString);
        Require(L, "math", OpenMath);
        Require(L, "coroutine", OpenCoroutine);

        lua_rawgeti(L, RegistryIndex, 2); // LUA_RIDX_GLOBALS: the real globals
        var g = lua_gettop(L);

        // Natives the shims call.
        foreach (var (table, name) in new[] { ("_G", "tostring"), ("_G", "next"), ("_G", "load"), ("string", "format") })
        {
            if (table == "_G") GetField(L, g, name);
            else
            {
                GetField(L, g, table);
                GetField(L, -1, name);
                lua_rotate(L, -2, 1);
                Pop(L, 1);
            }
            SetField(L, RegistryIndex, "native." + name);
        }

        LuaBaseLibrary.Open(L, g);
        Cjson.Open(L);
        SetField(L, g, "cjson");
        LuaStruct.Open(L);
        SetField(L, g, "struct");
        Cmsgpack.Open(L);
        SetField(L, g, "cmsgpack");
        LuaBit.Open(L);
        SetField(L, g, "bit");
        RedisLibrary.Open(L, vm.Kind, loading: false);
        SetField(L, g, "redis");
        if (vm.Kind == LuaVm.VmKind.Eval)
        {
            // Listed among Redis's globals (its pcall error handler); ours is native, this is a stand-in.
            LuaFunctions.Push(L, &LuaBaseLibrary.Identity);
            SetField(L, g, "__redis__err__handler");
        }
        PushString(L, "Lua 5.1");
        SetField(L, g, "_VERSION");

        // Read-only views of every library, the string methods included.
        foreach (var name in Libraries)
        {
            GetField(L, g, name);
            PushProxy(vm, -1);
            SetField(L, g, name);
            Pop(L, 1);
        }
        PushString(L, "");
        lua_getmetatable(L, -1);
        var stringMeta = lua_gettop(L);
        GetField(L, g, "string");
        SetField(L, stringMeta, "__index");
        PushProxy(vm, stringMeta);
        SetField(L, stringMeta, "__metatable"); // getmetatable("") sees a read-only view
        lua_settop(L, g);

        // Reading an unknown global raises, as Redis's luaSetErrorMetatable does.
        lua_createtable(L, 0, 1);
        LuaFunctions.Push(L, &LuaBaseLibrary.NonexistentGlobal);
        SetField(L, -2, "__index");
        lua_setmetatable(L, g);

        // What scripts see as their globals (_ENV, _G): an empty read-only table over the real ones.
        lua_createtable(L, 0, 0);
        var env = lua_gettop(L);
        lua_createtable(L, 0, 4);
        var envMeta = lua_gettop(L);
        lua_pushvalue(L, g);
        SetField(L, envMeta, "__index");
        LuaFunctions.Push(L, &LuaBaseLibrary.ReadOnlyError);
        SetField(L, envMeta, "__newindex");
        LuaFunctions.Push(L, &LuaBaseLibrary.ProxyPairs);
        SetField(L, envMeta, "__pairs");
        lua_pushboolean(L, 0);
        SetField(L, envMeta, "__metatable");
        lua_pushvalue(L, envMeta);
        lua_setmetatable(L, env);
        vm.MarkReadOnly(lua_topointer(L, env));
        lua_pushvalue(L, env);
        SetField(L, g, "_G");
        lua_pushvalue(L, env);
        lua_rawseti(L, RegistryIndex, 2); // loaded chunks get the read-only view as _ENV

        // FUNCTION LOAD runs a library with only the load-time API in sight (function_lua.c's LIBRARY_API).
        var libraryEnv = LUA_NOREF;
        if (vm.Kind == LuaVm.VmKind.Function)
        {
            lua_createtable(L, 0, 1);
            var library = lua_gettop(L);
            RedisLibrary.Open(L, vm.Kind, loading: true);
            PushProxy(vm, -1);
            SetField(L, library, "redis");
            Pop(L, 1);
            lua_createtable(L, 0, 1);
            LuaFunctions.Push(L, &LuaBaseLibrary.NonexistentGlobal);
            SetField(L, -2, "__index");
            lua_setmetatable(L, library);
            libraryEnv = luaL_ref(L, RegistryIndex);
        }

        lua_pushvalue(L, envMeta);
        var envMetaRef = luaL_ref(L, RegistryIndex);
        lua_pushvalue(L, g);
        var globalsRef = luaL_ref(L, RegistryIndex);
        vm.SetEnvironment(globalsRef, envMetaRef, libraryEnv);
        lua_settop(L, 0);
    }

    const int LUA_NOREF = -2;

    static void Require(IntPtr L, string name, IntPtr open)
    {
        var bytes = Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* n = bytes) luaL_requiref(L, n, open, 1);
        Pop(L, 1);
    }

    /// <summary>Pushes a read-only view of the table at <paramref name="index"/>: reads go through, writes raise, pairs iterate the table.</summary>
    static void PushProxy(LuaVm vm, int index)
    {
        var L = vm.L;
        index = lua_absindex(L, index);
        lua_createtable(L, 0, 0);
        lua_createtable(L, 0, 4);
        lua_pushvalue(L, index);
        SetField(L, -2, "__index");
        LuaFunctions.Push(L, &LuaBaseLibrary.ReadOnlyError);
        SetField(L, -2, "__newindex");
        LuaFunctions.Push(L, &LuaBaseLibrary.ProxyPairs);
        SetField(L, -2, "__pairs");
        lua_pushboolean(L, 0);
        SetField(L, -2, "__metatable");
        lua_setmetatable(L, -2);
        vm.MarkReadOnly(lua_topointer(L, -1));
    }
}
