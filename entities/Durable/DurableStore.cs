using Microsoft.DurableTask.Client.Entities;
using Serverless.Store.Api;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// The store over Durable Task: each command's <see cref="StorePlan"/> picks its executor
/// (docs/durable-store.md, "Routing"); pipelines and transactions are grouped here. The only
/// dependency is the durable client's <see cref="DurableEntityClient"/> (no orchestration runs), so
/// Functions and the standalone host share it.
/// </summary>
public sealed partial class DurableStore : IStore
{
    readonly TimeProvider time;

    /// <param name="entities">The durable client's entities (Functions' [DurableClient], or the standalone host's).</param>
    /// <param name="commitsNotified">True when the host reports every stored entity batch to
    /// <see cref="Replies"/> (the standalone host does): waits then end on the commit instead of polling.</param>
    /// <param name="time">The clock (tests).</param>
    /// <param name="replyTimeout">How long a request waits for its reply in an entity's stored state (null = <see cref="ReplyChannel"/>'s 60 s).</param>
    public DurableStore(DurableEntityClient entities, bool commitsNotified = false, TimeProvider? time = null, TimeSpan? replyTimeout = null)
    {
        this.time = time ?? TimeProvider.System;
        Entities = entities;
        Replies = replyTimeout is { } timeout
            ? new ReplyChannel(Entities, commitsNotified, this.time) { Timeout = timeout }
            : new ReplyChannel(Entities, commitsNotified, this.time);
        Reads = new KeyReads(Entities, Replies);
        Scripts = new ScriptCatalogs(Entities, Replies, this.time);
        Writes = new KeyWrites(Entities, Replies, () => Scripts.Settings);
        Chains = new Chains(Entities, Replies, this.time, () => Scripts.Settings);
        Keyspace = new KeyspaceQueries(Entities, Reads, Writes);
        // One read of an entity no key uses: what every request needs from storage, and cheap.
        Outage = new StorageOutage(ct => Entities.GetEntityAsync(KeyEntity.Id("~~probe"), includeState: false, ct));
        Replies.Outage = Outage;
    }

    /// <summary>The durable client's entity half: what every executor and service of this store reads and signals through.</summary>
    public DurableEntityClient Entities { get; }

    /// <summary>Waits for replies in entities' stored states; the host's commit hook is <see cref="ReplyChannel.Committed"/>.</summary>
    public ReplyChannel Replies { get; }
    public KeyReads Reads { get; }
    public KeyWrites Writes { get; }
    public Chains Chains { get; }
    public KeyspaceQueries Keyspace { get; }

    /// <summary>SCRIPT and FUNCTION, and the scripts that script runs bring to the entities.</summary>
    public ScriptCatalogs Scripts { get; }

    /// <summary>
    /// Sync tokens (docs/durable-store.md, "Read your writes"): every key is read from storage, so
    /// the one thing an instance can be behind on is its copy of the script catalog; the token is
    /// the catalog's version, and a request showing a newer one reads the catalog again first.
    /// </summary>
    public ValueTask CatchUpAsync(string? syncToken, CancellationToken cancellationToken = default) =>
        long.TryParse(syncToken, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
            ? Scripts.CatchUpAsync(version, cancellationToken)
            : ValueTask.CompletedTask;

    /// <summary>Whether storage answers: requests are refused at once while it does not (docs/reliability.md).</summary>
    public StorageOutage Outage { get; }

    public string SyncToken => Scripts.KnownVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The host services that serve the commands whose table row names one (pub/sub, snapshots).
    /// Set once by the host as it composes the store (the services are made over the store).
    /// </summary>
    public IReadOnlyList<ICommandService> Services { get; set; } = [];

    /// <summary>INFO persistence's numbers, from the host's snapshot service when it has one (set with <see cref="Services"/>).</summary>
    public Func<PersistenceStats?>? PersistenceStats { get; set; }

    long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Runs one command and returns Redis's reply (errors are error replies).</summary>
    public Task<Reply> ExecuteAsync(byte[][] args, CancellationToken cancellation = default) => ExecuteAsync(CommandPlan.Of(args), cancellation);

    public Task<Reply> ExecuteAsync(CommandPlan command, CancellationToken cancellation = default)
    {
        var plan = StorePlan.Of(command);
        if (BlockingRead(plan) is { } block) return BlockingReadAsync(plan, block, cancellation); // XREAD/XREADGROUP BLOCK
        if (BlockingPop(plan) is { } pop) return BlockingPopAsync(plan, pop, cancellation); // BLPOP, BZPOPMIN...
        return RunAsync(plan, cancellation);
    }

    async Task<Reply> RunAsync(StorePlan plan, CancellationToken cancellation) => plan.Route switch
    {
        StoreRoute.Local => await RunLocalAsync(plan, cancellation),
        StoreRoute.KeyRead or StoreRoute.MultiKeyRead => (await ReadAsync(plan.EntityKeys, [plan.Command], cancellation))[0],
        StoreRoute.KeyWrite => (await Writes.SubmitAsync(plan.EntityKeys[0], CommandBatch.Of([plan.Command]), cancellation))[0],
        StoreRoute.MultiKeyWrite => (await Chains.RunAsync(plan.EntityKeys, CommandBatch.Of([plan.Command]), cancellation))[0],
        StoreRoute.Keyspace => await Keyspace.ExecuteAsync(plan.Command, NowMs, cancellation),
        StoreRoute.Script => (await RunOnKeysAsync([plan.Command], cancellation))[0],
        _ => await ServiceAsync(plan.Command, cancellation),
    };

    /// <summary>
    /// Many commands in order, not atomic. Between commands that span keys or need more than one
    /// entity (which run alone, in order), the commands for one key go to its entity as one request
    /// (one reply to wait for), and different keys run in parallel.
    /// </summary>
    public Task<IReadOnlyList<Reply>> PipelineAsync(IReadOnlyList<byte[][]> commands, CancellationToken cancellation = default) =>
        PipelineAsync(commands.Select(CommandPlan.Of).ToArray(), cancellation);

    public async Task<IReadOnlyList<Reply>> PipelineAsync(IReadOnlyList<CommandPlan> commands, CancellationToken cancellation = default)
    {
        var plans = commands.Select(StorePlan.Of).ToArray();
        var replies = new Reply[plans.Length];
        var i = 0;
        while (i < plans.Length)
        {
            var groups = new Dictionary<string, KeyGroup>(StringComparer.Ordinal);
            for (; i < plans.Length; i++)
            {
                var plan = plans[i];
                if (plan.Route == StoreRoute.Local)
                {
                    replies[i] = await RunLocalAsync(plan, cancellation);
                    continue;
                }
                if (plan.Route is not (StoreRoute.KeyRead or StoreRoute.KeyWrite) || BlockingRead(plan) is not null) break;
                if (!groups.TryGetValue(plan.EntityKeys[0], out var group)) groups[plan.EntityKeys[0]] = group = new KeyGroup(plan.EntityKeys);
                group.Indexes.Add(i);
                group.IsWrite |= plan.Route == StoreRoute.KeyWrite;
            }

            await Task.WhenAll(groups.Values.Select(async g =>
            {
                var batch = g.Indexes.Select(x => plans[x].Command).ToArray();
                var result = g.IsWrite
                    ? await Writes.SubmitAsync(g.EntityKeys[0], CommandBatch.Of(batch), cancellation)
                    : await ReadAsync(g.EntityKeys, batch, cancellation);
                for (var j = 0; j < result.Length; j++) replies[g.Indexes[j]] = result[j];
            }));

            if (i < plans.Length)
            {
                // BLOCK does not wait inside a pipeline, as inside MULTI: the command runs once.
                replies[i] = await RunAsync(plans[i], cancellation);
                i++;
            }
        }
        return replies;
    }

    sealed class KeyGroup(string[] entityKeys)
    {
        public string[] EntityKeys { get; } = entityKeys;
        public List<int> Indexes { get; } = [];
        public bool IsWrite { get; set; }
    }

    /// <summary>
    /// MULTI/EXEC: all commands atomically, each with its own reply (a runtime error fails only its
    /// command). An unknown command or a wrong number of arguments anywhere discards the whole
    /// transaction, as Redis does at EXEC: the reply is then the EXECABORT error. The keys of all the
    /// commands decide where it runs: one entity runs it as one request; several, as one chain.
    /// </summary>
    public Task<Reply> TransactionAsync(IReadOnlyList<byte[][]> commands, CancellationToken cancellation = default) =>
        TransactionAsync(commands.Select(CommandPlan.Of).ToArray(), cancellation);

    public async Task<Reply> TransactionAsync(IReadOnlyList<CommandPlan> commands, CancellationToken cancellation = default)
    {
        if (Transaction.Validate(commands) is { } abort) return abort;
        var plans = commands.Select(StorePlan.Of).ToArray();
        if (plans.FirstOrDefault(p => p.Refusal is not null) is { Refusal: { } refusal }) return refusal; // a key too long
        // Whole-keyspace commands cannot be part of a transaction (no keyspace to list there, they
        // answer so); host services cannot either (their rows say so).
        return Reply.Array(await RunOnKeysAsync(commands, cancellation));
    }

    /// <summary>
    /// Read-only commands on stored states (one key: its state once unlocked; several: a consistent
    /// read, or when the keys keep changing, a chain that holds them while it reads).
    /// </summary>
    Task<Reply[]> ReadAsync(string[] entityKeys, IReadOnlyList<CommandPlan> commands, CancellationToken cancellation) =>
        ReadAsync(entityKeys, commands.SelectMany(c => c.Keys).Distinct(Bytes.Comparer).ToArray(), commands, null, cancellation);

    async Task<Reply[]> ReadAsync(string[] entityKeys, byte[][] keys, IReadOnlyList<CommandPlan> commands, ScriptReach? reach, CancellationToken cancellation)
    {
        var records = entityKeys.Length == 1
            ? [await Reads.ReadAsync(entityKeys[0], cancellation)]
            : await Reads.ReadConsistentAsync(entityKeys, cancellation);
        if (records is null) return await Chains.RunAsync(entityKeys, CommandBatch.Of(commands), cancellation, reach);
        var states = keys.Select(k =>
        {
            var entityKey = EntityKeys.EntityOf(k);
            return KeyReads.StateIn(records[Array.IndexOf(entityKeys, entityKey)], entityKey, k);
        }).ToArray();
        var keyspace = EntityKeyspace.Of(keys, states, reach?.Listing == true);
        var now = NowMs;
        var config = ReadConfig;
        return commands.Select(c => c.Execute(ScriptReach.Context(reach, keyspace, now, null, recordEvents: false, config: config))).ToArray();
    }


    async Task<Reply> ServiceAsync(CommandPlan command, CancellationToken cancellation)
    {
        foreach (var service in Services.Prepend(Scripts))
            if (service.Serves == command.Spec!.Service) return await service.ExecuteAsync(command.Args, cancellation);
        return Reply.Error($"ERR '{command.Spec!.Name}' is not available: this host has no service for it");
    }

    /// <summary>CONFIG SET's settings for commands this process runs itself (reads): null when none were set (Redis's defaults).</summary>
    IServerConfig? ReadConfig => Scripts.Settings is { } settings ? new MemoryServerConfig(settings) : null;

    /// <summary>What INFO reports of this host: expired keys its worker deleted, its snapshot service's numbers.</summary>
    IServerStats Stats => new LocalStats(PersistenceStats);

    sealed class LocalStats(Func<PersistenceStats?>? persistence, KeyspaceStats? keyspace = null) : IServerStats
    {
        public long ExpiredKeys => KeyEntity.ExpiredKeysDeleted;
        public PersistenceStats? Persistence => persistence?.Invoke();
        public KeyspaceStats? Keyspace => keyspace; // counted for an INFO that prints it (DurableStore.Info.cs)
    }

    /// <summary>What commands without keys see (PING, INFO...): no keys.</summary>
    sealed class NoKeys : IKeyspace
    {
        public static readonly NoKeys Instance = new();
        public KeyState? Get(byte[] key) => null;
        public void Set(byte[] key, KeyState state) { }
        public void Remove(byte[] key) { }
    }
}
