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

    /// <summary>
    /// Every stored key that may start with a prefix, with its state (maybe expired: callers decide),
    /// once no chain holds it: the keys of their own entities under the prefix, and the keys of the
    /// hash tags' groups that may hold such keys (callers match their pattern on the keys).
    /// </summary>
    public async IAsyncEnumerable<(byte[] Key, string EntityKey, KeyState State)> StatesAsync(
        byte[] prefix, [EnumeratorCancellation] CancellationToken cancellation)
    {
        foreach (var instancePrefix in EntityKeys.InstanceIdPrefixesFor(prefix))
        {
            var query = new EntityQuery { InstanceIdStartsWith = instancePrefix, IncludeState = true, PageSize = PageSize };
            string? continuation = null;
            do
            {
                var page = await PageAsync(query, continuation, 3, cancellation) ?? await OneByOneAsync(query, continuation, cancellation);
                foreach (var entity in page.Values)
                {
                    var record = entity.State;
                    if (record?.LockedBy is not null) record = await reads.ReadAsync(entity.Id.Key, cancellation);
                    if (record is null) continue;
                    foreach (var (key, state) in record.Keys(entity.Id.Key)) // none: only replies to recent writes
                        if (!state.IsEmpty) yield return (key, entity.Id.Key, state);
                }
                continuation = page.ContinuationToken;
            }
            while (!string.IsNullOrEmpty(continuation));
        }
    }

    /// <summary>
    /// One page of the query from its continuation, or null after <paramref name="attempts"/> tries that found
    /// a blob missing. A large state lives in a blob that the backend replaces on every write, so a page read
    /// racing a write to one of its keys can find that blob gone ("The specified blob does not exist"). Found
    /// by the hostile corpus (docs/hostile-input.md): KEYS, SCAN, DBSIZE, RANDOMKEY, INFO and FLUSHALL
    /// answered 500 while big values were being written.
    /// </summary>
    async Task<Microsoft.DurableTask.Page<EntityMetadata<KeyRecord>>?> PageAsync(EntityQuery query, string? continuation, int attempts, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await foreach (var page in entities.GetAllEntitiesAsync<KeyRecord>(query).AsPages(continuation, query.PageSize).WithCancellation(cancellation))
                    return page;
                return new Microsoft.DurableTask.Page<EntityMetadata<KeyRecord>>([], null);
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested && IsMissingBlob(e))
            {
                if (attempt >= attempts) return null;
                await Task.Delay(Random.Shared.Next(10, 50) * attempt, cancellation);
            }
        }
    }

    /// <summary>
    /// A page that keeps failing while many big keys are written (each try needs every state of the page
    /// unchanged while it is read): its entities are read one per query instead, each one tried again on
    /// its own, as many as a page holds.
    /// </summary>
    async Task<Microsoft.DurableTask.Page<EntityMetadata<KeyRecord>>> OneByOneAsync(EntityQuery query, string? continuation, CancellationToken cancellation)
    {
        var single = query with { PageSize = 1 };
        var values = new List<EntityMetadata<KeyRecord>>();
        do
        {
            var one = await PageAsync(single, continuation, 12, cancellation)
                ?? throw new TimeoutException("a key's state kept changing while the keyspace was listed");
            values.AddRange(one.Values);
            continuation = one.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(continuation) && values.Count < (query.PageSize ?? PageSize));
        return new Microsoft.DurableTask.Page<EntityMetadata<KeyRecord>>(values, continuation);
    }

    static bool IsMissingBlob(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is Azure.RequestFailedException { Status: 404 }) return true;
        return false;
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
        var entityKeys = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var (key, entityKey, state) in StatesAsync(prefix, cancellation))
        {
            entityKeys.Add(entityKey);
            if (!state.IsExpired(nowMs)) keyspace.Set(key, state);
        }
        var reply = plan.Execute(new CommandContext(keyspace, nowMs));
        if (plan.Spec!.Name is "flushall" or "flushdb" && reply is not ErrorReply) await DeleteAsync(entityKeys, cancellation);
        return reply;
    }

    /// <summary>
    /// Deletes every key of the given entities (a group's keys all at once), <see cref="DeleteParallelism"/>
    /// entities at a time; completes once every one is stored.
    /// </summary>
    public async Task<long> DeleteAsync(IReadOnlyCollection<string> entityKeys, CancellationToken cancellation)
    {
        await Parallel.ForEachAsync(entityKeys, new ParallelOptions { MaxDegreeOfParallelism = DeleteParallelism, CancellationToken = cancellation },
            async (entityKey, ct) => await writes.LoadAsync(entityKey, new LoadRequest { All = true }, ct));
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
