using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Serverless.Store.Protocol;
using static Serverless.Store.Scripting.LuaApi;

namespace Serverless.Store.Scripting;

/// <summary>
/// One Lua 5.4 state dressed as Redis 7.0's script environment (script_lua.c, eval.c,
/// function_lua.c): the libraries and globals Redis gives scripts, read-only globals with Redis's
/// error texts, the budget hook and a memory-limited allocator. States are pooled per kind (EVAL
/// scripts, FUNCTION libraries) and keep what they compiled; nothing a script does outlives its
/// run, because everything it could change is read-only.
///
/// <para><b>Errors without longjmp over managed code.</b> Every Lua function written in C# is an
/// [UnmanagedCallersOnly] method that never raises: to raise, it records the error
/// (<see cref="Pending"/>) and installs lua_error itself as a count hook firing on the next
/// instruction, then returns normally; the VM calls the hook from native code and the error
/// propagates as if the function had raised it. The catchers written in C# (pcall, xpcall,
/// coroutine.resume, the top-level message handler) take the recorded error instead of the value
/// the hook raised and put the budget hook back. The same hook, left in place, is how a run past
/// its budget is stopped: every instruction raises again, so pcall cannot catch it (Redis does
/// the same after SCRIPT KILL).</para>
/// </summary>
internal sealed unsafe partial class LuaVm : IDisposable
{
    public enum VmKind { Eval, Function }

    /// <summary>Instructions between two budget checks.</summary>
    const int HookInterval = 1000;

    /// <summary>States kept per kind; more are made when needed and dropped on return.</summary>
    static readonly int PoolSize = Math.Max(2, Environment.ProcessorCount * 2);

    static readonly ConcurrentBag<LuaVm>[] Pools = [new(), new()];

    public readonly IntPtr L;
    public readonly VmKind Kind;
    readonly MemoryAccount* memory;
    GCHandle handle;

    /// <summary>The run in progress (null between runs).</summary>
    public ScriptRun? Run { get; private set; }

    /// <summary>An error a C# function raised, to be raised by the VM at its next instruction.</summary>
    public LuaErrorValue? Pending;

    /// <summary>The thread (coroutine) <see cref="Pending"/> was raised in.</summary>
    IntPtr pendingThread;

    /// <summary>What the top-level message handler made of the error that ended a run.</summary>
    LuaErrorValue? lastError;

    /// <summary>Registry references: the real globals, the environment scripts see and its metatable.</summary>
    int globalsRef, envMetaRef, libraryEnvRef;

    /// <summary>Tables scripts may not change (Redis marks them read-only; here they are proxies): checked by rawset and setmetatable.</summary>
    readonly HashSet<IntPtr> readOnly = [];

    /// <summary>Compiled EVAL scripts by sha1 (registry references).</summary>
    readonly Dictionary<string, int> scripts = new(StringComparer.Ordinal);

    /// <summary>Registered function libraries by the sha1 of their code: function name to registry reference.</summary>
    readonly Dictionary<string, Dictionary<string, int>> libraries = new(StringComparer.Ordinal);

    /// <summary>The functions a library registers while FUNCTION LOAD runs it (null otherwise).</summary>
    public List<(FunctionInfo Info, int Ref)>? Registering;

    bool broken;

    LuaVm(VmKind kind)
    {
        Kind = kind;
        memory = (MemoryAccount*)NativeMemory.AllocZeroed((nuint)sizeof(MemoryAccount));
        L = lua_newstate(&Allocate, (IntPtr)memory);
        if (L == IntPtr.Zero) throw new InvalidOperationException("Lua could not create a state");
        handle = GCHandle.Alloc(this);
        *(IntPtr*)((byte*)L - IntPtr.Size) = GCHandle.ToIntPtr(handle); // LUA_EXTRASPACE, copied to every thread
        lua_atpanic(L, &Panic);
        LuaEnvironment.Build(this);
    }

    public static LuaVm Of(IntPtr L) => (LuaVm)GCHandle.FromIntPtr(*(IntPtr*)((byte*)L - IntPtr.Size)).Target!;

    public static LuaVm Rent(VmKind kind) => Pools[(int)kind].TryTake(out var vm) ? vm : new LuaVm(kind);

    public static void Return(LuaVm vm)
    {
        if (!vm.broken && vm.memory->Used > 32L << 20) lua_gc(vm.L, GcCollect, 0);
        var pool = Pools[(int)vm.Kind];
        if (vm.broken || vm.memory->Used > 32L << 20 || pool.Count >= PoolSize) vm.Dispose();
        else pool.Add(vm);
    }

    public void Dispose()
    {
        if (!handle.IsAllocated) return;
        lua_close(L);
        handle.Free();
        NativeMemory.Free(memory);
    }

    // ------------------------------------------------------------ environment hooks for LuaEnvironment

    internal void SetEnvironment(int globals, int envMeta, int libraryEnv)
    {
        globalsRef = globals;
        envMetaRef = envMeta;
        libraryEnvRef = libraryEnv;
    }

    internal void MarkReadOnly(IntPtr table) => readOnly.Add(table);

    public bool IsReadOnly(IntPtr table) => readOnly.Contains(table);

    public void PushGlobals() => lua_rawgeti(L, RegistryIndex, globalsRef);

    /// <summary>EVAL's KEYS and ARGV globals for the next run.</summary>
    public void SetKeysAndArgv(IReadOnlyList<byte[]> keys, IReadOnlyList<byte[]> argv)
    {
        PushGlobals();
        LuaReplies.PushArray(L, keys);
        SetField(L, -2, "KEYS");
        LuaReplies.PushArray(L, argv);
        SetField(L, -2, "ARGV");
        Pop(L, 1);
    }

    // ------------------------------------------------------------ compiling

    /// <summary>Compiles (or finds) an EVAL script and pushes its function; null, or the compiler's message.</summary>
    public string? PushScript(string sha, byte[] body, int shebangLength)
    {
        if (scripts.TryGetValue(sha, out var reference))
        {
            lua_rawgeti(L, RegistryIndex, reference);
            return null;
        }
        if (Compile(body.AsSpan(shebangLength), "@user_script") is { } error) return error;
        if (scripts.Count >= 10_000) DropScripts();
        lua_pushvalue(L, -1);
        scripts[sha] = luaL_ref(L, RegistryIndex);
        return null;
    }

    void DropScripts()
    {
        foreach (var reference in scripts.Values) luaL_unref(L, RegistryIndex, reference);
        scripts.Clear();
    }

    /// <summary>Compiles text (never bytecode) and pushes the function; returns the error message instead.</summary>
    public string? Compile(ReadOnlySpan<byte> code, string chunkName)
    {
        var name = Encoding.UTF8.GetBytes(chunkName + "\0");
        int status;
        fixed (byte* c = code)
        fixed (byte* n = name)
        fixed (byte* mode = "t\0"u8)
            status = luaL_loadbufferx(L, c == null ? (byte*)1 : c, (nuint)code.Length, n, mode);
        if (status == Ok) return null;
        var message = ToText(L, -1) ?? "syntax error";
        Pop(L, 1);
        return message.Replace("near <eof>", "near '<eof>'"); // 5.1 quotes it
    }

    // ------------------------------------------------------------ running

    /// <summary>
    /// Runs the function on top of the stack, under <paramref name="nargs"/> arguments, as one run:
    /// the budget applies, errors become Redis's error reply ("... script: name, on @user_script:1.").
    /// Returns the reply, or null when the run was stopped (see <see cref="ScriptRun.Stop"/>).
    /// </summary>
    public Reply? Call(ScriptRun run, int nargs)
    {
        Run = run;
        Pending = null;
        lastError = null;
        lua_pushcclosure(L, &MessageHandler, 0);
        lua_rotate(L, -nargs - 2, 1); // the handler goes below the function
        var handlerIndex = lua_gettop(L) - nargs - 1;
        StartBudget(run);
        var status = PCall(L, nargs, 1, handlerIndex);
        StopBudget();
        if (status == ErrMem) run.CheckBudget(true); // the allocator refused: past the memory budget
        try
        {
            if (run.Stopped is not null) return null;
            if (status == Ok && Pending is null) return LuaReplies.FromLua(L, -1, run.Resp);
            if (status == ErrMem) return Reply.Error("ERR Error running script, not enough memory");
            var error = Pending ?? lastError ?? LuaErrorValue.Message("unknown error");
            return Reply.Error(LuaReplies.OneLine(error.Source is null
                ? error.ErrText
                : $"{error.ErrText} script: {run.Name}, on {error.Source}:{error.Line}."));
        }
        finally
        {
            Pending = null;
            lua_settop(L, 0);
            Run = null;
            if (run.Stopped is not null) broken = true; // stopped anywhere: the state may hold anything
        }
    }

    /// <summary>Runs a function without a message handler (FUNCTION LOAD's library code); the error value as Redis extracts it, or null.</summary>
    public string? CallUnhandled(ScriptRun run)
    {
        Run = run;
        Pending = null;
        StartBudget(run);
        var status = PCall(L, 0, 0, 0);
        StopBudget();
        if (status == ErrMem) run.CheckBudget(true);
        try
        {
            if (run.Stopped is not null) return run.StopMessage;
            if (status == Ok && Pending is null) return null;
            if (Pending is { } pending) return pending.ErrText;
            if (status == ErrMem) return "ERR not enough memory";
            return LuaErrorValue.FromStack(L, -1).ErrText;
        }
        finally
        {
            Pending = null;
            lua_settop(L, 0);
            Run = null;
            if (run.Stopped is not null) broken = true;
        }
    }

    /// <summary>Installs the budget hook and the memory limit; Lua code runs with the allocator enforcing it.</summary>
    void StartBudget(ScriptRun run)
    {
        run.StartedAt = Stopwatch.GetTimestamp();
        memory->Limit = run.Limits.MaxMemoryBytes > 0 ? memory->Used + run.Limits.MaxMemoryBytes : long.MaxValue;
        memory->Refused = 0;
        memory->Enforced = 1;
        InstallBudgetHook(L);
    }

    void StopBudget()
    {
        memory->Enforced = 0;
        lua_sethook(L, IntPtr.Zero, 0, 0);
    }

    static void InstallBudgetHook(IntPtr L) =>
        lua_sethook(L, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, LuaDebug*, void>)&CountHook, MaskCount, HookInterval);

    /// <summary>Makes the VM raise at the next instruction of this thread (and every one after, until the hook changes).</summary>
    static void InstallRaiseHook(IntPtr L) => lua_sethook(L, ErrorFunction, MaskCount, 1);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static void CountHook(IntPtr L, LuaDebug* ar)
    {
        var vm = Of(L);
        if (vm.Run is not { } run) return;
        run.Instructions += HookInterval;
        run.CheckBudget(vm.memory->Refused != 0);
        if (run.Stopped is not null) InstallRaiseHook(L);
    }

    /// <summary>Stops the run (budget, or a reach beyond the keyspace): raised now and at every later instruction.</summary>
    public int StopRun(IntPtr L)
    {
        InstallRaiseHook(L);
        return 0;
    }

    /// <summary>Raises an error from a C# function (where: its caller, as Redis's handler finds it): see the class comment.</summary>
    public int Raise(IntPtr L, LuaErrorValue error)
    {
        if (error.Source is null && Where(L, 1, out var source, out var line, out var isC))
        {
            if (isC) Where(L, 2, out source, out line, out _); // called from a C function (table.insert, pcall...): its caller
            error = error.At(source, line);
        }
        Pending = error;
        pendingThread = L;
        InstallRaiseHook(L);
        return 0;
    }

    /// <summary>
    /// After a protected call or resume on <paramref name="L"/> failed (or finished while an error was
    /// pending): the error a C# function raised (the budget hook back), the run's stop (the raise
    /// hook stays, so the catcher's caller is stopped too), or null when the error value on the
    /// stack is the one raised.
    /// </summary>
    public LuaErrorValue? TakeError(IntPtr L, int status)
    {
        if (status == ErrMem || memory->Refused != 0) Run?.CheckBudget(true);
        if (Run?.Stopped is not null)
        {
            InstallRaiseHook(L);
            return LuaErrorValue.Message(Run.StopMessage!);
        }
        if (Pending is { } pending)
        {
            Pending = null;
            InstallBudgetHook(L);
            return pending;
        }
        return null;
    }

    /// <summary>The error message handler of a run (Redis's __redis__err__handler): where the error happened.</summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int MessageHandler(IntPtr L)
    {
        var vm = Of(L);
        var enforced = vm.memory->Enforced;
        vm.memory->Enforced = 0;
        try
        {
            if (vm.Run?.Stopped is not null) return 0;
            var error = LuaErrorValue.FromStack(L, 1);
            var raised = vm.Pending is not null;
            if (vm.Pending is { } pending)
            {
                vm.Pending = null;
                InstallBudgetHook(L);
                if (vm.pendingThread == L)
                {
                    vm.lastError = pending;
                    return 0;
                }
                error = pending; // raised in a coroutine, re-raised here (coroutine.wrap): located here, as Redis does
            }
            // Redis looks two levels up from its handler (the function that raised), one more when that is C.
            var level = 1;
            if (Where(L, level, out var source, out var line, out var isC) && isC) Where(L, ++level, out source, out line, out _);
            // 5.1's error() gives a number message a position too (5.4 only strings).
            if (!raised && lua_type(L, 1) == TNumber && line > 0) error = error with { Text = $"{source.TrimStart('@', '=')}:{line}: {error.Text}" };
            vm.lastError = error.At(source, line);
            return 0;
        }
        catch (Exception e)
        {
            vm.lastError = LuaErrorValue.Message("ERR " + e.Message);
            return 0;
        }
        finally
        {
            vm.memory->Enforced = enforced;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static int Panic(IntPtr L)
    {
        // An error outside any protected call: a bug here, never a script's doing.
        Environment.FailFast("Lua panic: " + (ToText(L, -1) ?? "(no message)"));
        return 0;
    }

    // ------------------------------------------------------------ calls into C#

    /// <summary>
    /// Runs the body of a Lua function written in C#: allocations never fail inside it (a refusal
    /// would longjmp over it), a <see cref="LuaError"/> it throws becomes a raise, and any other
    /// exception too (an exception must never leave an [UnmanagedCallersOnly] method).
    /// </summary>
    public static int Invoke(IntPtr L, delegate*<LuaCall, int> body)
    {
        var vm = Of(L);
        var enforced = vm.memory->Enforced;
        vm.memory->Enforced = 0;
        try
        {
            return body(new LuaCall(L, vm));
        }
        catch (LuaError e)
        {
            return vm.Raise(L, e.Error);
        }
        catch (ScriptStopped)
        {
            return vm.StopRun(L);
        }
        catch (PendingRaise)
        {
            return 0; // the hook is in place: the error raises at the next instruction
        }
        catch (Exception e)
        {
            return vm.Raise(L, LuaErrorValue.Message("ERR " + e.GetType().Name + ": " + e.Message));
        }
        finally
        {
            vm.memory->Enforced = enforced;
        }
    }

    /// <summary>
    /// Calls the function below <paramref name="nargs"/> arguments from C#, protected; on error
    /// throws what the caller should raise (the pending error stays pending and raises itself).
    /// </summary>
    public int CallLua(IntPtr L, int nargs, int nresults)
    {
        var top = lua_gettop(L) - nargs - 1;
        memory->Enforced = 1;
        var status = PCall(L, nargs, nresults, 0);
        memory->Enforced = 0;
        if (status == Ok && Pending is null) return lua_gettop(L) - top;
        if (Run?.Stopped is not null || status == ErrMem || memory->Refused != 0)
        {
            Run?.CheckBudget(status == ErrMem || memory->Refused != 0);
            throw new ScriptStopped();
        }
        if (Pending is not null) throw new PendingRaise();
        throw new LuaError(LuaErrorValue.FromStack(L, -1));
    }

    /// <summary>lua_pcall from C# (pcall, xpcall) with the allocator enforcing the budget: the status, results or error value left as Lua leaves them.</summary>
    public int ProtectedCall(IntPtr L, int nargs)
    {
        memory->Enforced = 1;
        var status = PCall(L, nargs, MultiReturn, 0);
        memory->Enforced = 0;
        return status;
    }

    /// <summary>Resumes a coroutine from C# with the allocator enforcing the budget.</summary>
    public int Resume(IntPtr co, IntPtr from, int nargs, out int nresults)
    {
        int n;
        memory->Enforced = 1;
        var status = lua_resume(co, from, nargs, &n);
        memory->Enforced = 0;
        nresults = n;
        return status;
    }

    // ------------------------------------------------------------ the allocator

    [StructLayout(LayoutKind.Sequential)]
    struct MemoryAccount
    {
        public long Used;
        public long Limit;
        /// <summary>1 while Lua code runs: only then may an allocation be refused (a refusal raises in the VM).</summary>
        public int Enforced;
        public int Refused;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    static IntPtr Allocate(IntPtr ud, IntPtr ptr, nuint osize, nuint nsize)
    {
        var account = (MemoryAccount*)ud;
        if (nsize == 0)
        {
            if (ptr != IntPtr.Zero)
            {
                NativeMemory.Free((void*)ptr);
                account->Used -= (long)osize;
            }
            return IntPtr.Zero;
        }
        var old = ptr == IntPtr.Zero ? 0 : (long)osize; // for a new block osize is the object's type
        var growth = (long)nsize - old;
        if (growth > 0 && account->Enforced != 0 && account->Used + growth > account->Limit)
        {
            account->Refused = 1;
            return IntPtr.Zero;
        }
        var block = NativeMemory.Realloc((void*)ptr, nsize);
        if (block == null) return IntPtr.Zero;
        account->Used += growth;
        if (growth > 0) account->Refused = 0; // Lua collected and retried: the run goes on
        return (IntPtr)block;
    }

    // ------------------------------------------------------------ FUNCTION libraries

    /// <summary>Sets what globals resolve to in a function state: the load-time API (redis.register_function...) or the run-time one.</summary>
    public void SetLoading(bool loading)
    {
        lua_rawgeti(L, RegistryIndex, envMetaRef);
        PushString(L, "__index");
        lua_rawgeti(L, RegistryIndex, loading ? libraryEnvRef : globalsRef);
        lua_rawset(L, -3);
        Pop(L, 1);
    }

    /// <summary>
    /// Runs a library's code (without its shebang line) so it registers its functions (FUNCTION LOAD).
    /// Returns the functions, or Redis's error ("Error registering functions: ...").
    /// </summary>
    public (List<(FunctionInfo Info, int Ref)>? Functions, string? Error) Register(byte[] code, ScriptLimits limits, ScriptLog? log = null)
    {
        if (Compile(code, "@user_function") is { } compileError)
            return (null, "ERR Error compiling function: " + compileError);
        Registering = [];
        SetLoading(true);
        var run = ScriptRun.ForLoad(limits, log);
        var error = CallUnhandled(run);
        SetLoading(false);
        var registered = Registering;
        Registering = null;
        if (error is not null)
        {
            foreach (var (_, reference) in registered) luaL_unref(L, RegistryIndex, reference);
            return (null, "ERR Error registering functions: " + error);
        }
        return (registered, null);
    }

    /// <summary>Pushes function <paramref name="name"/> of a library, registering the library in this state first if needed.</summary>
    public string? PushFunction(FunctionLibrary library, string name, ScriptLimits limits)
    {
        var key = ScriptCatalog.Sha1Hex(library.Code);
        if (!libraries.TryGetValue(key, out var functions))
        {
            var (_, _, code) = Shebang.LibraryOf(library.Code);
            var (registered, error) = Register(code, limits);
            if (error is not null) return error;
            functions = registered!.ToDictionary(f => f.Info.Name, f => f.Ref, StringComparer.Ordinal);
            libraries[key] = functions;
        }
        if (!functions.TryGetValue(name, out var reference)) return "ERR Function not found";
        lua_rawgeti(L, RegistryIndex, reference);
        return null;
    }
}

/// <summary>An error on its way through Lua: a Redis error table's text (with its code) or a message, and where it happened.</summary>
internal sealed record LuaErrorValue(string Text, bool IsTable, string? Source = null, int Line = -1)
{
    public static LuaErrorValue Message(string text) => new(text, false);

    /// <summary>A Redis error table ({err = "CODE message"}), as luaPushErrorBuff makes it from a reply or a message.</summary>
    public static LuaErrorValue Table(string text) => new(LuaReplies.ErrorTableText(text), true);

    /// <summary>The text Redis replies with: a table's err as it is, a message with "ERR " in front.</summary>
    public string ErrText => IsTable ? Text : "ERR " + Text;

    public LuaErrorValue At(string source, int line) => this with { Source = source, Line = line };

    /// <summary>The error value at an index: a table's err field, or the value as tostring prints it (5.4's runtime messages in 5.1's words).</summary>
    public static LuaErrorValue FromStack(IntPtr L, int index)
    {
        index = lua_absindex(L, index);
        if (lua_type(L, index) == TTable)
        {
            GetField(L, index, "err");
            var err = lua_type(L, -1) == TString ? ToText(L, -1) : null;
            Pop(L, 1);
            if (err is not null) return new(err, true);
        }
        return Message(RuntimeMessages.To51(LuaText.ToDisplayString(L, index)));
    }
}

/// <summary>Thrown inside a C# Lua function to raise an error (caught by <see cref="LuaVm.Invoke"/>).</summary>
internal sealed class LuaError(LuaErrorValue error) : Exception(error.Text)
{
    public LuaErrorValue Error { get; } = error;
}

/// <summary>A nested call failed with an error already pending: return and let the VM raise it.</summary>
internal sealed class PendingRaise() : Exception("pending");

/// <summary>The run was stopped (budget, or a reach beyond the keyspace): return and let the VM unwind it.</summary>
internal sealed class ScriptStopped() : Exception("stopped");

/// <summary>Lua 5.4 words some runtime errors differently from 5.1 (which Redis runs): the 5.1 wording back.</summary>
internal static partial class RuntimeMessages
{
    // 5.4: "attempt to index a nil value (global 'x')"; 5.1: "attempt to index global 'x' (a nil value)"
    [GeneratedRegex(@"attempt to (\w+(?: \w+)?) an? (\w+) value \((global|local|field|upvalue|method|constant) '([^']*)'\)")]
    private static partial Regex NamedValue();

    // 5.4: "attempt to add a 'string' with a 'number'" (string arithmetic); 5.1: "attempt to perform arithmetic on a string value"
    [GeneratedRegex(@"attempt to (?:add|sub|mul|div|mod|pow|unm|idiv) a '(\w+)' with a '(\w+)'")]
    private static partial Regex StringArithmetic();

    public static string To51(string message)
    {
        if (!message.Contains("attempt to", StringComparison.Ordinal)) return message;
        message = NamedValue().Replace(message, m => $"attempt to {m.Groups[1].Value} {(m.Groups[3].Value == "constant" ? "field" : m.Groups[3].Value)} '{m.Groups[4].Value}' (a {m.Groups[2].Value} value)");
        return StringArithmetic().Replace(message, m => $"attempt to perform arithmetic on a {(m.Groups[1].Value != "number" ? m.Groups[1].Value : m.Groups[2].Value)} value");
    }
}
