using Serverless.Store.Api;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Scripting;

namespace Serverless.Store.Tests.Api;

/// <summary>
/// The engine behind the REST router over one in-memory keyspace, serialised by a lock: lets the
/// protocol be tested (and the differential suite be re-run through it) without the durable
/// backend. The durable store is tested through the same router against Azurite.
/// </summary>
public sealed class MemoryStore(bool ownServer = false) : IStore
{
    readonly object gate = new();

    public MemoryKeyspace Keyspace { get; } = new();

    /// <summary>With <c>ownServer</c>: this store's own script catalog and settings (else the process's shared catalog, no settings).</summary>
    public ScriptCatalog? Scripts { get; } = ownServer ? new ScriptCatalog() : null;
    public MemoryServerConfig? Config { get; } = ownServer ? new MemoryServerConfig() : null;

    public Task<Reply> ExecuteAsync(CommandPlan command, CancellationToken cancellationToken = default)
    {
        lock (gate) return Task.FromResult(command.Execute(Context()));
    }

    public Task<IReadOnlyList<Reply>> PipelineAsync(IReadOnlyList<CommandPlan> commands, CancellationToken cancellationToken = default)
    {
        lock (gate)
            return Task.FromResult<IReadOnlyList<Reply>>(commands.Select(c => c.Execute(Context())).ToArray());
    }

    public Task<Reply> TransactionAsync(IReadOnlyList<CommandPlan> commands, CancellationToken cancellationToken = default)
    {
        lock (gate)
            return Task.FromResult<Reply>(Transaction.Validate(commands) ?? Reply.Array(Transaction.Execute(Context(), commands)));
    }

    CommandContext Context() => new(Keyspace, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())
    {
        Scripts = Scripts ?? ScriptCatalog.Local, Config = Config,
    };
}
