using Serverless.Store.Commands;
using Serverless.Store.Protocol;

namespace Serverless.Store.Api;

/// <summary>
/// What the REST router needs from a store: run one command, a pipeline (in order, not
/// atomic) or a transaction (atomic), each command already looked up (<see cref="CommandPlan"/>).
/// The durable store implements it over DurableTaskClient; the tests also run it over an
/// in-memory keyspace.
/// </summary>
public interface IStore
{
    Task<Reply> ExecuteAsync(CommandPlan command, CancellationToken cancellationToken = default);

    /// <summary>One reply per command, in order; an error fails only its command.</summary>
    Task<IReadOnlyList<Reply>> PipelineAsync(IReadOnlyList<CommandPlan> commands, CancellationToken cancellationToken = default);

    /// <summary>
    /// MULTI/EXEC: an array reply with one reply per command (runtime errors fail only their
    /// command), or an EXECABORT error when any command could not be queued.
    /// </summary>
    Task<Reply> TransactionAsync(IReadOnlyList<CommandPlan> commands, CancellationToken cancellationToken = default);

    /// <summary>
    /// Read-your-writes across instances (Upstash's <c>upstash-sync-token</c> header): before a request
    /// runs, this instance catches up with what the token the client shows covers. A store without
    /// per-instance state has nothing to catch up with.
    /// </summary>
    ValueTask CatchUpAsync(string? syncToken, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <summary>The token this instance's answers carry (null = no header): what it has seen so far.</summary>
    string? SyncToken => null;

    /// <summary>Whether the store's storage answers (null: a store without storage of its own).</summary>
    StorageOutage? Outage => null;
}
