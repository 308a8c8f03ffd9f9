using System.Runtime.CompilerServices;
using Microsoft.DurableTask.Client.Entities;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// The whole keyspace (KEYS, SCAN, DBSIZE, RANDOMKEY, FLUSHALL; snapshots; restore's replace):
/// an entity query over the key entities, by the pattern's literal prefix where there is one, one
/// page of states at a time. A key a chain holds locked is read again once unlocked. Cost: one
/// table query per page plus the states' bytes, O(keys under the prefix) per call.
/// </summary>
public sealed class KeyspaceQueries(DurableEntityClient entities, KeyReads reads, KeyWrites writes)
{
    /// <summary>States per query page.</summary>
    public int PageSize { get; init; } = 1000;

    /// <summary>Keys deleted at once by FLUSHALL and restore's replace (each one an entity request).</summary>
    public int DeleteParallelism { get; init; } = 64;

    /// <summary>Every stored key under a prefix with its state (maybe expired: callers decide), once no chain holds it.</summary>
    public async IAsyncEnumerable<(byte[] Key, string EntityKey, KeyState State)> StatesAsync(
        byte[] prefix, [EnumeratorCancellation] CancellationToken cancellation)
    {
        var query = new EntityQuery { InstanceIdStartsWith = EntityKeys.InstanceIdPrefixFor(prefix), IncludeState = true, PageSize = PageSize };
        await foreach (var entity in entities.GetAllEntitiesAsync<KeyRecord>(query).WithCancellation(cancellation))
        {
            var record = entity.State;
            if (record?.LockedBy is not null) record = await reads.ReadAsync(entity.Id.Key, cancellation);
            if (record?.State is { } state && !state.IsEmpty) // else only replies to recent writes
                yield return (EntityKeys.FromEntityKey(entity.Id.Key), entity.Id.Key, state);
        }
    }

    /// <summary>Runs a whole-keyspace command on the stored keys (FLUSHALL then deletes every key it saw).</summary>
    public async Task<Reply> ExecuteAsync(CommandPlan plan, long nowMs, CancellationToken cancellation)
    {
        byte[] prefix;
        try
        {
            prefix = LiteralPrefix(plan);
        }
        catch (RedisException e)
        {
            return Reply.Error(e.Message);
        }
        var keyspace = new MemoryKeyspace();
        var entityKeys = new List<string>();
        await foreach (var (key, entityKey, state) in StatesAsync(prefix, cancellation))
        {
            entityKeys.Add(entityKey);
            if (!state.IsExpired(nowMs)) keyspace.Set(key, state);
        }
        var reply = plan.Execute(new CommandContext(keyspace, nowMs));
        if (plan.Spec!.Name is "flushall" or "flushdb" && reply is not ErrorReply) await DeleteAsync(entityKeys, cancellation);
        return reply;
    }

    /// <summary>Deletes keys through their entities, <see cref="DeleteParallelism"/> at a time; completes once every one is stored.</summary>
    public async Task<long> DeleteAsync(IReadOnlyCollection<string> entityKeys, CancellationToken cancellation)
    {
        await Parallel.ForEachAsync(entityKeys, new ParallelOptions { MaxDegreeOfParallelism = DeleteParallelism, CancellationToken = cancellation },
            async (entityKey, ct) => await writes.LoadAsync(entityKey, null, ct));
        return entityKeys.Count;
    }

    /// <summary>KEYS and SCAN MATCH list only the keys under their pattern's literal prefix: the query asks for that prefix.</summary>
    static byte[] LiteralPrefix(CommandPlan plan) => plan.Spec!.Name switch
    {
        "keys" => EntityKeys.LiteralPrefix(plan.Args[1]),
        "scan" when Scan.Parse(plan.Args, 1, allowType: true).Pattern is { } pattern => EntityKeys.LiteralPrefix(pattern),
        _ => [],
    };
}
