using System.Diagnostics;
using Microsoft.DurableTask.Client.Entities;

namespace Serverless.Store.Standalone;

/// <summary>
/// Every <c>EntityCleanupMinutes</c> (setting; default 30, 0 = off) removes the rows of empty
/// entities (expired or deleted keys, swept buckets) with <c>CleanEntityStorageAsync</c>, so a
/// workload that creates and expires keys forever does not grow storage forever. The backend removes
/// an empty entity only once it has been idle longer than its message-reorder window
/// (<c>EntityMessageReorderWindowInMinutes</c>, 30 minutes by default in DurableTask.AzureStorage),
/// so a deleted key's row stays between 30 and 60 minutes with the defaults.
/// </summary>
public sealed class EntityCleanupService(DurableEngine engine, IConfiguration configuration, ILogger<EntityCleanupService> logger) : BackgroundService
{
    public const string IntervalSetting = "EntityCleanupMinutes";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var minutes = configuration.GetValue(IntervalSetting, 30);
        if (minutes <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(minutes));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                var result = await engine.Client.Entities.CleanEntityStorageAsync(new CleanEntityStorageRequest
                {
                    RemoveEmptyEntities = true,
                    ReleaseOrphanedLocks = true,
                }, continueUntilComplete: true, stoppingToken);
                logger.LogInformation("Entity storage cleaned: {EmptyEntitiesRemoved} empty entities removed, {OrphanedLocksReleased} orphaned locks released, {DurationMs} ms",
                    result.EmptyEntitiesRemoved, result.OrphanedLocksReleased, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e) { logger.LogWarning(e, "entity storage cleanup failed; it runs again at the next tick"); }
        }
    }
}
