using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Serverless.Store.Commands;
using Serverless.Store.Protocol;
using Serverless.Store.Scripting;

namespace Serverless.Store.Durable;

/// <summary>The script catalog entity's state: the scripts and libraries, and the replies to its recent requests.</summary>
public sealed class CatalogRecord : RepliedRecord
{
    [JsonPropertyName("c")] public ScriptCatalog Catalog { get; set; } = new();

    /// <summary>Requests applied so far: a process whose copy is older than a version it is shown reads the catalog again (sync tokens).</summary>
    [JsonPropertyName("v")] public long Version { get; set; }

    /// <summary>CONFIG SET's settings, for every process (null until the first CONFIG SET: each process's app settings and Redis's defaults).</summary>
    [JsonPropertyName("g"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ServerSettings? Settings { get; set; }

    /// <summary>A command the catalog entity runs: CONFIG SET on the settings, else SCRIPT or FUNCTION on the catalog.</summary>
    public Reply Run(byte[][] args)
    {
        if (!Encoding.ASCII.GetString(args[0]).Equals("config", StringComparison.OrdinalIgnoreCase)) return ScriptCatalogs.Run(Catalog, args);
        var config = new MemoryServerConfig(Settings ?? ServerSettings.Baseline);
        try
        {
            var reply = Types.Config.SetCommand(config, args);
            // Settings back at the defaults are dropped: requests stop carrying them.
            Settings = config.Settings == ServerSettings.Baseline ? null : config.Settings;
            return reply;
        }
        catch (RedisException e)
        {
            return Reply.Error(e.Message);
        }
    }
}

/// <summary>
/// The store's one script catalog, a durable entity: SCRIPT LOAD and FLUSH, FUNCTION LOAD, DELETE,
/// FLUSH and RESTORE change it here, one request at a time, as <c>submit</c>s whose replies it keeps
/// under the request id (as key entities do). Every process reads it; none holds the only copy.
/// CONFIG SET's settings live here too: they travel to every process the same way (a copy read
/// again after <see cref="ScriptCatalogs.MaxAge"/>, sync tokens), one change at a time.
/// </summary>
public sealed class CatalogEntity : ITaskEntity
{
    public const string Name = "scripts";
    public static readonly EntityInstanceId Id = new(Name, "catalog");

    public ValueTask<object?> RunAsync(TaskEntityOperation operation)
    {
        if (!operation.Name.Equals(KeyEntity.Submit, StringComparison.OrdinalIgnoreCase))
            throw new NotSupportedException($"the script catalog has no operation '{operation.Name}'");
        var record = operation.State.GetState<CatalogRecord>() ?? new CatalogRecord();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var requests = operation.GetInput<JsonElement>().Deserialize<SubmitRequest[]>() ?? [];
        foreach (var request in requests)
        {
            if (record.FindReply(request.Id) is not null) continue; // a redelivered signal: already applied
            var replies = request.Commands.Commands.Select(record.Run).ToArray();
            record.AddReply(new StoredReply(request.Id, now, replies), now);
            record.Version++;
        }
        operation.State.SetState(record);
        return new((object?)null);
    }
}

/// <summary>
/// SCRIPT and FUNCTION for the durable store, and the scripts that EVALSHA and FCALL bring to the
/// key entities (docs/scripting.md, "On the durable store"). Changes go to the <see cref="CatalogEntity"/>
/// and are answered once stored; reads (SCRIPT EXISTS, FUNCTION LIST...) read its stored state.
/// Script runs take what they call from this process's copy of the catalog, read again when it
/// lacks the script (so a script loaded by another process is found at once) and, in the
/// background, once it is older than <see cref="MaxAge"/> (so a flush elsewhere is seen that late).
/// </summary>
public sealed class ScriptCatalogs(DurableEntityClient entities, ReplyChannel channel, TimeProvider time) : ICommandService
{
    /// <summary>How long this process runs scripts from its copy of the catalog before reading it again.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    sealed record Copy(ScriptCatalog Catalog, ServerSettings? Settings, long Version, long ReadAtMs);

    volatile Copy? copy;
    Task<ScriptCatalog>? reading;
    readonly object gate = new();

    public HostService Serves => HostService.Scripts;

    public async Task<Reply> ExecuteAsync(byte[][] args, CancellationToken cancellation)
    {
        if (Changes(args)) return (await ChangeAsync([args], cancellation))[0];
        return Run(await ReadAsync(cancellation), args);
    }

    /// <summary>SCRIPT or FUNCTION on a catalog, with Redis's errors as error replies.</summary>
    public static Reply Run(ScriptCatalog catalog, byte[][] args)
    {
        try
        {
            return Encoding.ASCII.GetString(args[0]).ToLowerInvariant() switch
            {
                "script" => ScriptCommands.Script(catalog, args),
                "function" => ScriptCommands.Function(catalog, args, ScriptLimits.Default),
                _ => Reply.Error("ERR internal: the script catalog runs SCRIPT and FUNCTION only"),
            };
        }
        catch (RedisException e)
        {
            return Reply.Error(e.Message);
        }
    }

    /// <summary>The subcommands that change the catalog (the others read it).</summary>
    static bool Changes(byte[][] args)
    {
        if (args.Length < 2) return false;
        var sub = Encoding.ASCII.GetString(args[1]).ToLowerInvariant();
        return Encoding.ASCII.GetString(args[0]).ToLowerInvariant() == "script"
            ? sub is "load" or "flush"
            : sub is "load" or "delete" or "flush" or "restore";
    }

    /// <summary>Runs SCRIPT/FUNCTION commands on the catalog entity; their replies once stored.</summary>
    public Task<Reply[]> ChangeAsync(IReadOnlyList<byte[][]> commands, CancellationToken cancellation)
    {
        var request = new SubmitRequest { Id = SubmitRequest.NewId(), Commands = new CommandBatch([.. commands]) };
        return channel.AwaitAsync<CatalogRecord, Reply[]>(CatalogEntity.Id, record =>
            {
                if (record?.FindReply(request.Id) is not { } reply) return null;
                Remember(record);
                return reply.Replies;
            },
            () => entities.SignalEntityAsync(CatalogEntity.Id, KeyEntity.Submit, new[] { request }, cancellation: cancellation),
            "a script catalog change", cancellation);
    }

    /// <summary>The catalog as stored now (and this process's copy from now on).</summary>
    public Task<ScriptCatalog> ReadAsync(CancellationToken cancellation)
    {
        lock (gate)
        {
            // Callers at the same moment share one read.
            if (reading is { IsCompleted: false } pending) return pending.WaitAsync(cancellation);
            return reading = ReadStoredAsync();
        }
    }

    async Task<ScriptCatalog> ReadStoredAsync()
    {
        var stored = (await entities.GetEntityAsync<CatalogRecord>(CatalogEntity.Id, includeState: true))?.State ?? new CatalogRecord();
        Remember(stored);
        return stored.Catalog;
    }

    /// <summary>Keeps a catalog as this process's copy, unless the copy is already newer (reads and changes finish in any order).</summary>
    void Remember(CatalogRecord record)
    {
        lock (gate)
            if (copy is not { } current || record.Version >= current.Version)
                copy = new Copy(record.Catalog, record.Settings, record.Version, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    /// <summary>CONFIG SET's settings as this process's copy holds them (null: none was ever set, or no copy yet).</summary>
    public ServerSettings? Settings => copy?.Settings;

    /// <summary>CONFIG SET's settings, read first when this process has no copy (CONFIG GET answers from them).</summary>
    public async Task<ServerSettings?> SettingsAsync(CancellationToken cancellation)
    {
        await CopyAsync(cancellation);
        return Settings;
    }

    /// <summary>The catalog's version this process's copy holds (0 before the first read).</summary>
    public long KnownVersion => copy?.Version ?? 0;

    /// <summary>
    /// Read-your-writes for the catalog across processes: when a request shows a version this process's
    /// copy is older than (a FUNCTION DELETE answered by another instance), the catalog is read again
    /// before the request runs, twice at most (a read already under way may predate the change; a
    /// version no read reaches is not this store's, and is let go).
    /// </summary>
    public ValueTask CatchUpAsync(long version, CancellationToken cancellation) =>
        version > KnownVersion ? new(ReadUntilAsync(version, cancellation)) : ValueTask.CompletedTask; // most requests: nothing to read

    async Task ReadUntilAsync(long version, CancellationToken cancellation)
    {
        await ReadAsync(cancellation);
        if (version > KnownVersion) await ReadStoredAsync().WaitAsync(cancellation);
    }

    /// <summary>This process's copy; read first when there is none, read again in the background when old.</summary>
    async Task<ScriptCatalog> CopyAsync(CancellationToken cancellation)
    {
        if (copy is not { } current) return await ReadAsync(cancellation);
        if (time.GetUtcNow().ToUnixTimeMilliseconds() - current.ReadAtMs > MaxAge.TotalMilliseconds)
            _ = ReadAsync(CancellationToken.None).ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        return current.Catalog;
    }

    /// <summary>
    /// What commands that run scripts need from the catalog: the scripts EVALSHA names and the
    /// libraries FCALL calls (a script or function the catalog lacks is left out: the command answers
    /// NOSCRIPT or "Function not found"). EVAL's scripts are cached in the catalog, as Redis caches
    /// what EVAL runs: <see cref="ScriptsNeeded.Cached"/> completes once they are.
    /// </summary>
    public async Task<ScriptsNeeded> NeededByAsync(IReadOnlyList<CommandPlan> commands, CancellationToken cancellation)
    {
        var slice = new ScriptCatalog();
        var missing = false;
        List<Task>? caching = null;
        foreach (var command in commands)
        {
            if (command.Spec?.Flags.HasFlag(CommandFlags.RunsScript) != true) continue;
            var args = command.Args;
            switch (command.Spec.Name)
            {
                case "eval" or "eval_ro":
                    var sha = ScriptCatalog.Sha1Hex(args[1]);
                    if (!(await CopyAsync(cancellation)).HasScript(sha)) (caching ??= []).Add(CacheAsync(sha, args[1]));
                    break;
                case "evalsha" or "evalsha_ro":
                    var wanted = Encoding.ASCII.GetString(args[1]).ToLowerInvariant();
                    var body = await FindAsync(c => c.FindScript(wanted), cancellation);
                    if (body is null) missing = true;
                    else slice.Scripts[wanted] = body;
                    break;
                default: // fcall, fcall_ro
                    var name = Encoding.UTF8.GetString(args[1]);
                    var library = await FindAsync(c => c.FindLibraryOf(name), cancellation);
                    if (library is null) missing = true;
                    else if (slice.Library(library.Name) is null) slice.Libraries.Add(library);
                    break;
            }
        }
        var cached = caching is null ? Task.CompletedTask : Task.WhenAll(caching);
        return new ScriptsNeeded(slice.Scripts.Count + slice.Libraries.Count > 0 ? slice : null, missing, cached);
    }

    readonly System.Collections.Concurrent.ConcurrentDictionary<string, Task> cachingNow = new(StringComparer.Ordinal);

    /// <summary>SCRIPT LOAD of an EVAL's script; EVALs of one script at the same moment share one.</summary>
    Task CacheAsync(string sha, byte[] body) => cachingNow.GetOrAdd(sha, _ =>
    {
        var load = ChangeAsync([["SCRIPT"u8.ToArray(), "LOAD"u8.ToArray(), body]], CancellationToken.None);
        load.ContinueWith(_ => cachingNow.TryRemove(sha, out var _), TaskScheduler.Default);
        return load;
    });

    /// <summary>Finds in this process's copy, else in the catalog as stored now (another process may have just added it).</summary>
    async Task<T?> FindAsync<T>(Func<ScriptCatalog, T?> find, CancellationToken cancellation) where T : class =>
        find(await CopyAsync(cancellation)) ?? find(await ReadAsync(cancellation));

    /// <summary>
    /// True when a command writes, judged with the scripts it runs: EVAL and EVALSHA unless their
    /// script declares no-writes, FCALL unless its function does; their _RO forms never.
    /// </summary>
    public static bool Writes(CommandPlan command, ScriptCatalog? scripts)
    {
        var spec = command.Spec;
        if (spec is null || !spec.Flags.HasFlag(CommandFlags.RunsScript)) return command.IsWrite;
        if (spec.Flags.HasFlag(CommandFlags.ReadOnly)) return false;
        var flags = spec.Name switch
        {
            "eval" => ScriptCommands.FlagsOf(command.Args[1]),
            "evalsha" => scripts?.FindScript(Encoding.ASCII.GetString(command.Args[1]).ToLowerInvariant()) is { } body ? ScriptCommands.FlagsOf(body) : null,
            _ => scripts?.FindLibraryOf(Encoding.UTF8.GetString(command.Args[1]))?.Function(Encoding.UTF8.GetString(command.Args[1]))?.Flags,
        };
        return flags is not { } f || !f.HasFlag(ScriptFlags.NoWrites);
    }
}

/// <summary>
/// What <see cref="ScriptCatalogs.NeededByAsync"/> found: the scripts and libraries to bring (null:
/// none), whether one was missing, and the caching of EVAL's scripts (await it before answering).
/// </summary>
public sealed record ScriptsNeeded(ScriptCatalog? Scripts, bool Missing, Task Cached);
