using System.Diagnostics;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.Extensions.Logging;

namespace Serverless.Store.Durable;

/// <summary>
/// Removes the rows of empty entities (expired or deleted keys, swept buckets) and releases
/// orphaned locks with <c>CleanEntityStorageAsync</c>, so a workload that creates and expires keys
/// forever does not grow storage forever. The backend removes an empty entity only once it has been
/// idle longer than its message-reorder window (<c>EntityMessageReorderWindowInMinutes</c>, 30
/// minutes by default in DurableTask.AzureStorage). Both hosts run it on a timer.
/// </summary>
public static class EntityStorageCleanup
{
    public static async Task<CleanEntityStorageResult> RunAsync(DurableTaskClient client, ILogger logger, CancellationToken cancellation)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await client.Entities.CleanEntityStorageAsync(new CleanEntityStorageRequest
        {
            RemoveEmptyEntities = true,
            ReleaseOrphanedLocks = true,
        }, continueUntilComplete: true, cancellation);
        logger.LogInformation("Entity storage cleaned: {EmptyEntitiesRemoved} empty entities removed, {OrphanedLocksReleased} orphaned locks released, {DurationMs} ms",
            result.EmptyEntitiesRemoved, result.OrphanedLocksReleased, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }
}
