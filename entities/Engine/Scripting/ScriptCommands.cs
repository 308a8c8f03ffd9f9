using System.Buffers.Binary;
using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.RdbFiles;

namespace Serverless.Store.Scripting;

/// <summary>
/// The scripting commands (eval.c, functions.c): EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, FCALL,
/// FCALL_RO, which run where their keys are, and SCRIPT and FUNCTION, which manage the catalog.
/// SCRIPT and FUNCTION are functions of a <see cref="ScriptCatalog"/> (the context's
/// <see cref="CommandContext.Scripts"/>), so a store can keep the catalog anywhere and run them on it.
/// </summary>
public static class ScriptCommands
{
    public const string NoScript = "NOSCRIPT No matching script. Please use EVAL.";
    const string WriteFlagOnRo = "ERR Can not execute a script with write flag using *_ro command.";
    const string NotBusy = "NOTBUSY No scripts in execution right now.";

    // ------------------------------------------------------------ EVAL

    public static Reply Eval(CommandContext ctx, byte[][] args) => RunScript(ctx, args, bySha: false, readOnly: false);
    public static Reply EvalSha(CommandContext ctx, byte[][] args) => RunScript(ctx, args, bySha: true, readOnly: false);
    public static Reply EvalRo(CommandContext ctx, byte[][] args) => RunScript(ctx, args, bySha: false, readOnly: true);
    public static Reply EvalShaRo(CommandContext ctx, byte[][] args) => RunScript(ctx, args, bySha: true, readOnly: true);

    static Reply RunScript(CommandContext ctx, byte[][] args, bool bySha, bool readOnly)
    {
        if (bySha && args[1].Length != 40) return Reply.Error(NoScript);
        var numkeys = NumKeys(args, Errors.NotInteger);
        string sha;
        byte[] body;
        if (bySha)
        {
            sha = Encoding.ASCII.GetString(args[1]).ToLowerInvariant();
            body = ctx.Scripts.FindScript(sha) ?? throw new RedisException(NoScript);
        }
        else
        {
            body = args[1];
            sha = ScriptCatalog.Sha1Hex(body);
        }
        var flags = Shebang.ScriptFlagsOf(body, out var shebangLength);
        var vm = LuaVm.Rent(LuaVm.VmKind.Eval);
        try
        {
            if (vm.PushScript(sha, body, shebangLength) is { } error)
                return Reply.Error("ERR Error compiling script (new function): " + error);
            if (!bySha) ctx.Scripts.AddScript(sha, body); // EVAL caches what it runs, as Redis does
            var compat = flags.HasFlag(ScriptFlags.EvalCompat);
            if (!compat && readOnly && !flags.HasFlag(ScriptFlags.NoWrites)) return Reply.Error(WriteFlagOnRo);
            var run = new ScriptRun(ctx, sha, isEval: true, readOnly: readOnly || (!compat && flags.HasFlag(ScriptFlags.NoWrites)));
            vm.SetKeysAndArgv(args[3..(3 + numkeys)], args[(3 + numkeys)..]);
            return run.Finish(vm.Call(run, 0));
        }
        finally
        {
            LuaVm.Return(vm);
        }
    }

    /// <summary>The numkeys argument of EVAL and FCALL, with Redis's errors.</summary>
    static int NumKeys(byte[][] args, string notInteger)
    {
        if (!Numbers.TryParseLong(args[2], out var numkeys)) throw new RedisException(notInteger);
        if (numkeys > args.Length - 3) throw new RedisException("ERR Number of keys can't be greater than number of args");
        if (numkeys < 0) throw new RedisException("ERR Number of keys can't be negative");
        return (int)numkeys;
    }

    /// <summary>The keys EVAL, EVALSHA and FCALL name: numkeys of them after it (the table's key finder).</summary>
    public static IReadOnlyList<int> Keys(byte[][] args)
    {
        if (args.Length < 3 || !Numbers.TryParseLong(args[2], out var n) || n <= 0 || n > args.Length - 3) return [];
        var positions = new int[n];
        for (var i = 0; i < n; i++) positions[i] = 3 + i;
        return positions;
    }

    /// <summary>
    /// The flags a script declares (for routing: a no-writes script may take the read path); null
    /// when the script is unknown or its shebang is wrong (running it answers the error).
    /// </summary>
    public static ScriptFlags? FlagsOf(byte[] body)
    {
        try
        {
            return Shebang.ScriptFlagsOf(body, out _);
        }
        catch (RedisException)
        {
            return null;
        }
    }

    // ------------------------------------------------------------ FCALL

    public static Reply FCall(CommandContext ctx, byte[][] args) => RunFunction(ctx, args, readOnly: false);
    public static Reply FCallRo(CommandContext ctx, byte[][] args) => RunFunction(ctx, args, readOnly: true);

    static Reply RunFunction(CommandContext ctx, byte[][] args, bool readOnly)
    {
        var name = Encoding.UTF8.GetString(args[1]);
        var library = ctx.Scripts.FindLibraryOf(name) ?? throw new RedisException("ERR Function not found");
        var function = library.Function(name)!;
        var numkeys = NumKeys(args, "ERR Bad number of keys provided");
        var noWrites = function.Flags.HasFlag(ScriptFlags.NoWrites);
        if (readOnly && !noWrites) return Reply.Error(WriteFlagOnRo);
        var vm = LuaVm.Rent(LuaVm.VmKind.Function);
        try
        {
            var limits = ctx.ScriptLimits ?? ScriptLimits.Default;
            if (vm.PushFunction(library, name, limits) is { } error) return Reply.Error(error);
            LuaReplies.PushArray(vm.L, args[3..(3 + numkeys)]);
            LuaReplies.PushArray(vm.L, args[(3 + numkeys)..]);
            var run = new ScriptRun(ctx, name, isEval: false, readOnly: readOnly || noWrites);
            return run.Finish(vm.Call(run, 2));
        }
        finally
        {
            LuaVm.Return(vm);
        }
    }

    // ------------------------------------------------------------ SCRIPT

    static readonly string[] ScriptHelp =
    [
        "DEBUG (YES|SYNC|NO)",
        "    Set the debug mode for subsequent scripts executed.",
        "EXISTS <sha1> [<sha1> ...]",
        "    Return information about the existence of the scripts in the script cache.",
        "FLUSH [ASYNC|SYNC]",
        "    Flush the Lua scripts cache. Very dangerous on replicas.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the scripts cache.",
        "    * SYNC: Synchronously flush the scripts cache.",
        "KILL",
        "    Kill the currently executing Lua script.",
        "LOAD <script>",
        "    Load a script into the scripts cache without executing it.",
    ];

    /// <summary>SCRIPT on the context's catalog.</summary>
    public static Reply Script(CommandContext ctx, byte[][] args) => Script(Catalog(ctx), args);

    /// <summary>SCRIPT LOAD | EXISTS | FLUSH | KILL | DEBUG | HELP as a function of the catalog.</summary>
    public static Reply Script(ScriptCatalog catalog, byte[][] args)
    {
        switch (Lower(args[1])) // the dispatcher checked it against the row's subcommands
        {
            case "help":
                return Help(args, ScriptHelp);
            case "flush":
                if (args.Length > 3 || (args.Length == 3 && Lower(args[2]) is not ("sync" or "async")))
                    return Reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
                catalog.FlushScripts();
                return Reply.Ok;
            case "exists":
                var found = new Reply[args.Length - 2];
                for (var i = 2; i < args.Length; i++) found[i - 2] = Reply.Integer(catalog.HasScript(Encoding.UTF8.GetString(args[i])));
                return Reply.Array(found);
            case "load":
                var body = args[2];
                var sha = ScriptCatalog.Sha1Hex(body);
                if (catalog.HasScript(sha)) return Reply.Bulk(sha);
                Shebang.ScriptFlagsOf(body, out var shebangLength);
                var vm = LuaVm.Rent(LuaVm.VmKind.Eval);
                try
                {
                    if (vm.PushScript(sha, body, shebangLength) is { } error)
                        return Reply.Error("ERR Error compiling script (new function): " + error);
                }
                finally
                {
                    LuaVm.Return(vm);
                }
                catalog.AddScript(sha, body);
                return Reply.Bulk(sha);
            case "kill":
                return Reply.Error(NotBusy);
            default: // debug
                return Lower(args[2]) switch
                {
                    "no" => Reply.Ok,
                    "yes" or "sync" => Reply.Error("ERR this store has no Lua debugger"),
                    _ => Reply.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO"),
                };
        }
    }

    // ------------------------------------------------------------ FUNCTION

    static readonly string[] FunctionHelp =
    [
        "LOAD [REPLACE] <FUNCTION CODE>",
        "    Create a new library with the given library name and code.",
        "DELETE <LIBRARY NAME>",
        "    Delete the given library.",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "    Return general information on all the libraries:",
        "    * Library name",
        "    * The engine used to run the Library",
        "    * Library description",
        "    * Functions list",
        "    * Library code (if WITHCODE is given)",
        "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
        "STATS",
        "    Return information about the current function running:",
        "    * Function name",
        "    * Command used to run the function",
        "    * Duration in MS that the function is running",
        "    If no function is running, return nil",
        "    In addition, returns a list of available engines.",
        "KILL",
        "    Kill the current running function.",
        "FLUSH [ASYNC|SYNC]",
        "    Delete all the libraries.",
        "    When called without the optional mode argument, the behavior is determined by the",
        "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
        "    * ASYNC: Asynchronously flush the libraries.",
        "    * SYNC: Synchronously flush the libraries.",
        "DUMP",
        "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
        "    control how to handle existing libraries (default APPEND):",
        "    * FLUSH: delete all existing libraries.",
        "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
        "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
        "      libraries with the new libraries (notice that even on this option there is a chance of failure",
        "      in case of functions name collision with another library).",
    ];

    /// <summary>FUNCTION on the context's catalog.</summary>
    public static Reply Function(CommandContext ctx, byte[][] args) => Function(Catalog(ctx), args, ctx.ScriptLimits ?? ScriptLimits.Default);

    /// <summary>FUNCTION LOAD | LIST | DELETE | FLUSH | DUMP | RESTORE | STATS | KILL | HELP as a function of the catalog.</summary>
    public static Reply Function(ScriptCatalog catalog, byte[][] args, ScriptLimits limits)
    {
        switch (Lower(args[1])) // the dispatcher checked it against the row's subcommands
        {
            case "help":
                return Help(args, FunctionHelp);
            case "kill":
                return Reply.Error(NotBusy);
            case "stats":
                var libraries = catalog.AllLibraries();
                return Reply.Array(
                [
                    Reply.Bulk("running_script"), Reply.Nil,
                    Reply.Bulk("engines"), Reply.Array(
                    [
                        Reply.Bulk("LUA"), Reply.Array(
                        [
                            Reply.Bulk("libraries_count"), Reply.Integer(libraries.Count),
                            Reply.Bulk("functions_count"), Reply.Integer(libraries.Sum(l => l.Functions.Count)),
                        ]),
                    ]),
                ]);
            case "delete":
                var name = Encoding.UTF8.GetString(args[2]);
                var all = catalog.AllLibraries();
                if (!all.Any(l => l.Name == name)) return Reply.Error("ERR Library not found");
                catalog.SetLibraries(all.Where(l => l.Name != name));
                return Reply.Ok;
            case "flush":
                if (args.Length > 3) return Reply.Error(SubcommandSyntax(args));
                if (args.Length == 3 && Lower(args[2]) is not ("sync" or "async"))
                    return Reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
                catalog.SetLibraries([]);
                return Reply.Ok;
            case "list":
                return List(catalog, args);
            case "load":
                return Load(catalog, args, limits);
            case "dump":
                return Reply.Bulk(FunctionPayload.Dump(catalog.AllLibraries()));
            default:
                return Restore(catalog, args, limits);
        }
    }

    static Reply Load(ScriptCatalog catalog, byte[][] args, ScriptLimits limits)
    {
        var replace = false;
        var at = 2;
        while (at < args.Length - 1)
        {
            var option = args[at++];
            if (Lower(option) == "replace")
            {
                replace = true;
                continue;
            }
            return Reply.Error($"ERR Unknown option given: {Encoding.UTF8.GetString(option)}");
        }
        var libraries = catalog.AllLibraries().ToList();
        var library = Create(args[at], libraries, replace, limits);
        catalog.SetLibraries(libraries);
        return Reply.Bulk(library.Name);
    }

    /// <summary>
    /// Puts libraries read from an RDB file (<see cref="RdbReader.FunctionLibraries"/>) into a catalog,
    /// one of the same name replaced (rdbFunctionLoad); Redis's error for a library that does not load.
    /// </summary>
    public static void LoadLibraries(ScriptCatalog catalog, IEnumerable<byte[]> codes, ScriptLimits limits)
    {
        var libraries = catalog.AllLibraries().ToList();
        foreach (var code in codes) Create(code, libraries, replace: true, limits);
        catalog.SetLibraries(libraries);
    }

    /// <summary>
    /// functionsCreateWithLibraryCtx: reads the library's metadata, runs its code to learn its
    /// functions, and puts it in <paramref name="libraries"/> (in place of one of the same name when
    /// <paramref name="replace"/>); Redis's errors as <see cref="RedisException"/>.
    /// </summary>
    internal static FunctionLibrary Create(byte[] payload, List<FunctionLibrary> libraries, bool replace, ScriptLimits limits)
    {
        var (engine, name, code) = Shebang.LibraryOf(payload);
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new RedisException("ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
        if (!engine.Equals("lua", StringComparison.OrdinalIgnoreCase)) throw new RedisException($"ERR Engine '{engine}' not found");
        var old = libraries.FindIndex(l => l.Name == name);
        if (old >= 0 && !replace) throw new RedisException($"ERR Library '{name}' already exists");
        var vm = LuaVm.Rent(LuaVm.VmKind.Function);
        List<FunctionInfo> functions;
        try
        {
            var (registered, error) = vm.Register(code, limits);
            if (error is not null) throw new RedisException(error);
            functions = registered!.Select(r => r.Info).ToList();
        }
        finally
        {
            LuaVm.Return(vm);
        }
        if (functions.Count == 0) throw new RedisException("ERR No functions registered");
        for (var i = 0; i < libraries.Count; i++)
        {
            if (i == old) continue;
            foreach (var f in functions)
                if (libraries[i].Function(f.Name) is not null) throw new RedisException($"ERR Function {f.Name} already exists");
        }
        var library = new FunctionLibrary(name, payload, functions);
        if (old >= 0) libraries.RemoveAt(old);
        libraries.Add(library);
        return library;
    }

    /// <summary>FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]: RESP2's flat maps.</summary>
    static Reply List(ScriptCatalog catalog, byte[][] args)
    {
        var withCode = false;
        byte[]? pattern = null;
        for (var i = 2; i < args.Length; i++)
        {
            var arg = Lower(args[i]);
            if (!withCode && arg == "withcode")
            {
                withCode = true;
                continue;
            }
            if (pattern is null && arg == "libraryname")
            {
                if (i >= args.Length - 1) return Reply.Error("ERR library name argument was not given");
                pattern = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(args[++i]).ToLowerInvariant());
                continue;
            }
            return Reply.Error($"ERR Unknown argument {Encoding.UTF8.GetString(args[i])}");
        }
        var list = new List<Reply>();
        foreach (var library in catalog.AllLibraries())
        {
            if (pattern is not null && !Glob.Match(pattern, Encoding.UTF8.GetBytes(library.Name.ToLowerInvariant()))) continue;
            var entry = new List<Reply>
            {
                Reply.Bulk("library_name"), Reply.Bulk(library.Name),
                Reply.Bulk("engine"), Reply.Bulk(library.Engine),
                Reply.Bulk("functions"), Reply.Array(library.Functions.Select(f => Reply.Array(
                [
                    Reply.Bulk("name"), Reply.Bulk(f.Name),
                    Reply.Bulk("description"), f.Description is null ? Reply.Nil : Reply.Bulk(f.Description),
                    Reply.Bulk("flags"), Reply.Array(Shebang.FlagNames.Where(n => f.Flags.HasFlag(n.Flag)).Select(n => Reply.Simple(n.Name)).ToArray()),
                ])).ToArray()),
            };
            if (withCode) entry.AddRange([Reply.Bulk("library_code"), Reply.Bulk(library.Code)]);
            list.Add(Reply.Array(entry));
        }
        return Reply.Array(list);
    }

    /// <summary>FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE] (functionRestoreCommand, libraryJoin).</summary>
    static Reply Restore(ScriptCatalog catalog, byte[][] args, ScriptLimits limits)
    {
        if (args.Length > 4) return Reply.Error(SubcommandSyntax(args));
        var policy = args.Length == 4 ? Lower(args[3]) : "append";
        if (policy is not ("append" or "replace" or "flush"))
            return Reply.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
        var codes = FunctionPayload.Read(args[2]);
        var restored = new List<FunctionLibrary>();
        foreach (var code in codes) Create(code, restored, replace: false, limits);
        if (policy == "flush")
        {
            catalog.SetLibraries(restored);
            return Reply.Ok;
        }
        var current = catalog.AllLibraries().ToList();
        foreach (var library in restored)
        {
            if (current.FindIndex(l => l.Name == library.Name) is var i and >= 0)
            {
                if (policy != "replace") return Reply.Error($"ERR Library {library.Name} already exists");
                current.RemoveAt(i);
            }
        }
        foreach (var library in restored)
        foreach (var f in library.Functions)
            if (current.Any(l => l.Function(f.Name) is not null)) return Reply.Error($"ERR Function {f.Name} already exists");
        current.AddRange(restored);
        catalog.SetLibraries(current);
        return Reply.Ok;
    }

    // ------------------------------------------------------------ shared

    static ScriptCatalog Catalog(CommandContext ctx) =>
        ctx.Scripts as ScriptCatalog ?? throw new RedisException(CommandTable.NotServedHere(HostService.Scripts));

    static string SubcommandSyntax(byte[][] args) =>
        $"ERR unknown subcommand or wrong number of arguments for '{Clip(args[1])}'. Try {Encoding.UTF8.GetString(args[0]).ToUpperInvariant()} HELP.";

    /// <summary>addReplyHelp: the command's usage line, the lines, and HELP itself.</summary>
    static Reply Help(byte[][] args, string[] lines) => Reply.Array(
        new[] { $"{Encoding.UTF8.GetString(args[0]).ToUpperInvariant()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" }
            .Concat(lines).Concat(["HELP", "    Prints this help."]).Select(Reply.Simple).ToArray());

    static string Lower(byte[] arg) => arg.Length > 32 ? "" : Encoding.ASCII.GetString(arg).ToLowerInvariant();

    static string Clip(byte[] b) => Encoding.UTF8.GetString(b, 0, Math.Min(b.Length, 128));
}

/// <summary>
/// FUNCTION DUMP's payload (functionDumpCommand): each library as RDB_OPCODE_FUNCTION2 and its
/// code as an RDB string, then the RDB version (2 bytes) and the CRC-64 of everything before (8
/// bytes, little-endian), so redis-server restores ours and we restore its.
/// </summary>
public static class FunctionPayload
{
    public static byte[] Dump(IEnumerable<FunctionLibrary> libraries)
    {
        var output = new MemoryStream();
        var writer = new RdbWriter(output);
        foreach (var library in libraries) writer.WriteFunction(library.Code);
        Span<byte> footer = stackalloc byte[10];
        BinaryPrimitives.WriteUInt16LittleEndian(footer, Rdb.WriteVersion);
        output.Write(footer[..2]);
        var crc = Crc64Jones.Compute(output.GetBuffer().AsSpan(0, (int)output.Length));
        BinaryPrimitives.WriteUInt64LittleEndian(footer[2..], crc);
        output.Write(footer[2..]);
        return output.ToArray();
    }

    /// <summary>The libraries' codes in a payload, checked as verifyDumpPayload does; Redis's errors otherwise.</summary>
    public static List<byte[]> Read(byte[] payload)
    {
        if (payload.Length < 10) throw new RedisException("ERR DUMP payload version or checksum are wrong");
        var footer = payload.AsSpan(payload.Length - 10);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(footer);
        if (version > Rdb.MaxReadVersion) throw new RedisException("ERR DUMP payload version or checksum are wrong");
        if (Crc64Jones.Compute(payload.AsSpan(0, payload.Length - 8)) != BinaryPrimitives.ReadUInt64LittleEndian(footer[2..]))
            throw new RedisException("ERR DUMP payload version or checksum are wrong");
        try
        {
            return RdbReader.ReadFunctions(payload.AsMemory(0, payload.Length - 10));
        }
        catch (RdbFormatException e)
        {
            throw new RedisException("ERR " + e.Reason);
        }
    }
}
