using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Protocol;
using static Serverless.Store.Scripting.LuaApi;

namespace Serverless.Store.Scripting;

/// <summary>
/// The redis table scripts see (script_lua.c's luaRegisterRedisAPI, eval.c's debugger stubs,
/// function_lua.c's register_function), with Redis's errors: those Redis makes with luaPushError
/// are error tables ({err = "ERR ..."}), raised or (redis.pcall) returned.
/// </summary>
internal static unsafe class RedisLibrary
{
    /// <summary>REDIS_VERSION_NUM: 0x00MMmmpp of <see cref="Types.Server.RedisVersion"/>.</summary>
    static readonly long VersionNum = Types.Server.RedisVersion.Split('.').Select(int.Parse).Aggregate(0L, (n, part) => (n << 8) | (long)part);

    /// <summary>
    /// Pushes a redis table: for EVAL scripts, for functions at run time (no debugger stubs), or
    /// for a library being loaded (register_function, log and the version only; anything else
    /// is an unknown global, as in Redis).
    /// </summary>
    public static void Open(IntPtr L, LuaVm.VmKind kind, bool loading)
    {
        lua_createtable(L, 0, 32);
        var t = lua_gettop(L);
        if (loading)
        {
            LuaFunctions.Set(L, t, "register_function", &RegisterFunction);
        }
        else
        {
            LuaFunctions.Set(L, t, "call", &Call);
            LuaFunctions.Set(L, t, "pcall", &PCall);
            LuaFunctions.Set(L, t, "setresp", &SetResp);
            LuaFunctions.Set(L, t, "sha1hex", &Sha1Hex);
            LuaFunctions.Set(L, t, "error_reply", &ErrorReply);
            LuaFunctions.Set(L, t, "status_reply", &StatusReply);
            LuaFunctions.Set(L, t, "set_repl", &SetRepl);
            LuaFunctions.Set(L, t, "acl_check_cmd", &AclCheckCmd);
            foreach (var (name, value) in new[] { ("REPL_NONE", 0), ("REPL_AOF", 1), ("REPL_SLAVE", 2), ("REPL_REPLICA", 2), ("REPL_ALL", 3) })
            {
                lua_pushinteger(L, value);
                SetField(L, t, name);
            }
            if (kind == LuaVm.VmKind.Eval)
            {
                LuaFunctions.Set(L, t, "breakpoint", &Breakpoint);
                LuaFunctions.Set(L, t, "debug", &Debug);
                LuaFunctions.Set(L, t, "replicate_commands", &ReplicateCommands);
            }
        }
        LuaFunctions.Set(L, t, "log", &Log);
        foreach (var level in Enum.GetValues<ScriptLogLevel>())
        {
            lua_pushinteger(L, (int)level);
            SetField(L, t, "LOG_" + level.ToString().ToUpperInvariant());
        }
        PushString(L, Types.Server.RedisVersion);
        SetField(L, t, "REDIS_VERSION");
        lua_pushinteger(L, VersionNum);
        SetField(L, t, "REDIS_VERSION_NUM");
        if (loading)
        {
            // An unknown field of the load-time table is an unknown global (luaSetErrorMetatable).
            lua_createtable(L, 0, 1);
            LuaFunctions.Push(L, &LuaBaseLibrary.NonexistentGlobal);
            SetField(L, -2, "__index");
            lua_setmetatable(L, t);
        }
    }

    /// <summary>An error as luaPushError makes it: "ERR " + message, as a table.</summary>
    static LuaError Fail(string message) => new(LuaErrorValue.Table("ERR " + message));

    static int Call(LuaCall c) => Command(c, raise: true);
    static int PCall(LuaCall c) => Command(c, raise: false);

    /// <summary>luaRedisGenericCommand: the arguments as Redis sees them, the command, its reply as a Lua value.</summary>
    static int Command(LuaCall c, bool raise)
    {
        var run = c.Run;
        if (run?.Inner is null) throw Fail("redis.call/pcall can only be called inside a script invocation");
        var args = Arguments(c, raise, out var refusal);
        if (args is null) return Refuse(c, refusal!, raise);
        var reply = run.Execute(args);
        if (reply is ErrorReply error && raise) throw new LuaError(LuaErrorValue.Table(error.Message));
        lua_settop(c.L, 0);
        LuaReplies.Push(c.L, reply, run.Resp);
        return 1;
    }

    /// <summary>luaArgsToRedisArgv: strings as they are, numbers as "%.17g" (Lua's own text loses precision).</summary>
    static byte[][]? Arguments(LuaCall c, bool raise, out string? refusal)
    {
        refusal = null;
        var argc = c.Top;
        if (argc == 0)
        {
            refusal = "Please specify at least one argument for this redis lib call";
            return null;
        }
        var args = new byte[argc][];
        for (var i = 1; i <= argc; i++)
        {
            switch (c.Type(i))
            {
                case TNumber:
                    args[i - 1] = Encoding.ASCII.GetBytes(LuaNumbers.FormatG(lua_tonumberx(c.L, i, null), 17));
                    break;
                case TString:
                    args[i - 1] = ToBytes(c.L, i)!;
                    break;
                default:
                    refusal = "Lua redis lib command arguments must be strings or integers";
                    return null;
            }
        }
        return args;
    }

    static int Refuse(LuaCall c, string message, bool raise)
    {
        if (raise) throw Fail(message);
        lua_settop(c.L, 0);
        LuaReplies.PushSingleField(c.L, "err", "ERR " + message);
        return 1;
    }

    static int SetResp(LuaCall c)
    {
        var run = c.Run ?? throw Fail("redis.setresp can only be called inside a script invocation");
        if (c.Top != 1) throw Fail("redis.setresp() requires one argument.");
        var resp = (int)LuaNumbers.ToCLong(lua_tonumberx(c.L, 1, null));
        if (resp is not (2 or 3)) throw Fail("RESP version must be 2 or 3.");
        run.Resp = resp;
        return 0;
    }

    static int Sha1Hex(LuaCall c)
    {
        if (c.Top != 1) throw Fail("wrong number of arguments");
        c.PushString(ScriptCatalog.Sha1Hex(c.ToBytesOrNull(1) ?? []));
        return 1;
    }

    /// <summary>redis.error_reply(msg): {err = msg} with a "-" in front when missing (the code is the first word).</summary>
    static int ErrorReply(LuaCall c)
    {
        if (c.Top != 1 || c.Type(1) != TString) return Refuse(c, "wrong number or type of arguments", raise: false);
        var text = Encoding.UTF8.GetString(ToBytes(c.L, 1)!);
        LuaReplies.PushSingleField(c.L, "err", LuaReplies.ErrorTableText(text.StartsWith('-') ? text[1..] : text));
        return 1;
    }

    static int StatusReply(LuaCall c)
    {
        if (c.Top != 1 || c.Type(1) != TString) return Refuse(c, "wrong number or type of arguments", raise: false);
        lua_createtable(c.L, 0, 1);
        lua_pushvalue(c.L, 1);
        SetField(c.L, -2, "ok");
        return 1;
    }

    /// <summary>Replication is not the store's to control: the flags are checked as Redis checks them and kept nowhere.</summary>
    static int SetRepl(LuaCall c)
    {
        if (c.Run is null) throw Fail("redis.set_repl can only be called inside a script invocation");
        if (c.Top != 1) throw Fail("redis.set_repl() requires two arguments.");
        var flags = LuaNumbers.ToCLong(lua_tonumberx(c.L, -1, null));
        if ((flags & ~3L) != 0) throw Fail("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
        return 0;
    }

    /// <summary>The store has no ACL users: every known command is allowed.</summary>
    static int AclCheckCmd(LuaCall c)
    {
        if (c.Run is null) throw Fail("redis.acl_check_cmd can only be called inside a script invocation");
        var args = Arguments(c, true, out var refusal) ?? throw Fail(refusal!);
        if (CommandTable.Find(args[0]) is null) throw Fail("Invalid command passed to redis.acl_check_cmd()");
        c.PushBoolean(true);
        return 1;
    }

    /// <summary>redis.log(level, ...): the arguments joined by spaces, to the context's log.</summary>
    static int Log(LuaCall c)
    {
        var argc = c.Top;
        if (argc < 2) throw Fail("redis.log() requires two arguments or more.");
        ToNumber(c.L, 1, out var isNumber);
        if (!isNumber) throw Fail("First argument must be a number (log level).");
        var level = LuaNumbers.ToCInt(lua_tonumberx(c.L, 1, null));
        if (level is < (int)ScriptLogLevel.Debug or > (int)ScriptLogLevel.Warning) throw Fail("Invalid debug level.");
        var parts = new List<string>();
        for (var i = 2; i <= argc; i++)
            if (c.ToBytesOrNull(i) is { } part) parts.Add(Encoding.UTF8.GetString(part));
        c.Run?.Log?.Invoke((ScriptLogLevel)level, string.Join(' ', parts));
        return 0;
    }

    /// <summary>Outside the debugger (the store has none) redis.breakpoint answers false and redis.debug does nothing.</summary>
    static int Breakpoint(LuaCall c)
    {
        c.PushBoolean(false);
        return 1;
    }

    static int Debug(LuaCall c) => 0;

    /// <summary>Redis 7 always replicates effects: true.</summary>
    static int ReplicateCommands(LuaCall c)
    {
        c.PushBoolean(true);
        return 1;
    }

    // ------------------------------------------------------------ FUNCTION LOAD

    /// <summary>redis.register_function(name, callback) or redis.register_function{function_name=..., callback=..., flags=..., description=...}.</summary>
    static int RegisterFunction(LuaCall c)
    {
        var L = c.L;
        var registering = c.Vm.Registering ?? throw Fail("redis.register_function can only be called on FUNCTION LOAD command");
        var argc = c.Top;
        if (argc is < 1 or > 2) throw Fail("wrong number of arguments to redis.register_function");
        string? name = null, description = null;
        var flags = ScriptFlags.None;
        var callback = 0;
        if (argc == 2)
        {
            name = c.ToBytesOrNull(1) is { } n ? Encoding.UTF8.GetString(n) : throw Fail("first argument to redis.register_function must be a string");
            if (c.Type(2) != TFunction) throw Fail("second argument to redis.register_function must be a function");
            callback = 2;
        }
        else
        {
            if (c.Type(1) != TTable) throw Fail("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
            lua_pushnil(L);
            while (lua_next(L, 1) != 0)
            {
                if (c.ToBytesOrNull(-2) is not { } keyBytes) throw Fail("named argument key given to redis.register_function is not a string");
                var key = Encoding.UTF8.GetString(keyBytes);
                if (key.Equals("function_name", StringComparison.OrdinalIgnoreCase))
                    name = c.ToBytesOrNull(-1) is { } v ? Encoding.UTF8.GetString(v) : throw Fail("function_name argument given to redis.register_function must be a string");
                else if (key.Equals("description", StringComparison.OrdinalIgnoreCase))
                    description = c.ToBytesOrNull(-1) is { } v ? Encoding.UTF8.GetString(v) : throw Fail("description argument given to redis.register_function must be a string");
                else if (key.Equals("callback", StringComparison.OrdinalIgnoreCase))
                {
                    if (lua_type(L, -1) != TFunction) throw Fail("callback argument given to redis.register_function must be a function");
                    lua_pushvalue(L, -1);
                    callback = lua_gettop(L);
                    lua_rotate(L, 2, 1); // keep it below the iteration
                    callback = 2;
                }
                else if (key.Equals("flags", StringComparison.OrdinalIgnoreCase))
                {
                    if (lua_type(L, -1) != TTable) throw Fail("flags argument to redis.register_function must be a table representing function flags");
                    flags = ReadFlags(c, lua_gettop(L)) ?? throw Fail("unknown flag given");
                }
                else throw Fail("unknown argument given to redis.register_function");
                Pop(L, 1);
            }
            if (name is null) throw Fail("redis.register_function must get a function name argument");
            if (callback == 0) throw Fail("redis.register_function must get a callback argument");
        }
        if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            throw Fail("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
        if (registering.Exists(f => f.Info.Name == name)) throw Fail("Function already exists in the library");
        lua_pushvalue(L, callback);
        registering.Add((new FunctionInfo(name, description, flags), luaL_ref(L, RegistryIndex)));
        return 0;
    }

    static ScriptFlags? ReadFlags(LuaCall c, int table)
    {
        var flags = ScriptFlags.None;
        for (long i = 1; ; i++)
        {
            var type = lua_rawgeti(c.L, table, i);
            if (type == TNil)
            {
                Pop(c.L, 1);
                return flags;
            }
            var text = c.ToBytesOrNull(-1);
            Pop(c.L, 1);
            if (text is null || Shebang.FlagNamed(Encoding.UTF8.GetString(text), StringComparison.OrdinalIgnoreCase) is not { } flag) return null;
            flags |= flag;
        }
    }
}
