using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// A durable entity client that forwards to a real one and counts the entities it reads: one per
/// point read, one per entity a query returns. It measures what a piece of maintenance (the TTL
/// sweep) costs in entity reads, independently of what that code reports about itself.
/// </summary>
public sealed class CountingEntityClient(DurableEntityClient inner) : DurableEntityClient(inner.Name)
{
    long pointReads, queriedEntities;

    public long PointReads => Interlocked.Read(ref pointReads);
    public long QueriedEntities => Interlocked.Read(ref queriedEntities);

    public override Task SignalEntityAsync(EntityInstanceId id, string operationName, object? input = null,
        SignalEntityOptions? options = null, CancellationToken cancellation = default) =>
        inner.SignalEntityAsync(id, operationName, input, options, cancellation);

    public override Task<EntityMetadata?> GetEntityAsync(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default)
    {
        Interlocked.Increment(ref pointReads);
        return inner.GetEntityAsync(id, includeState, cancellation);
    }

    public override Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default)
    {
        Interlocked.Increment(ref pointReads);
        return inner.GetEntityAsync<T>(id, includeState, cancellation);
    }

    public override AsyncPageable<EntityMetadata> GetAllEntitiesAsync(EntityQuery? filter = null) =>
        Count(inner.GetAllEntitiesAsync(filter));

    public override AsyncPageable<EntityMetadata<T>> GetAllEntitiesAsync<T>(EntityQuery? filter = null) =>
        Count(inner.GetAllEntitiesAsync<T>(filter));

    public override Task<CleanEntityStorageResult> CleanEntityStorageAsync(CleanEntityStorageRequest? request = null,
        bool continueUntilComplete = true, CancellationToken cancellation = default) =>
        inner.CleanEntityStorageAsync(request, continueUntilComplete, cancellation);

    AsyncPageable<T> Count<T>(AsyncPageable<T> pages) where T : notnull =>
        Pageable.Create(async (string? continuation, int? size, CancellationToken cancellation) =>
        {
            await foreach (var page in pages.AsPages(continuation, size).WithCancellation(cancellation))
            {
                Interlocked.Add(ref queriedEntities, page.Values.Count);
                return page;
            }
            return new Page<T>([], null);
        });
}
