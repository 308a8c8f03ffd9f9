using Serverless.Store.Durable;

namespace Serverless.Store.Standalone;

/// <summary>
/// Runs a piece of shared store maintenance on a fixed interval read from a setting (0 = off); a
/// failed run is logged and retried at the next tick. The Functions app runs the same code on timers.
/// </summary>
public abstract class PeriodicService(IConfiguration configuration, ILogger logger) : BackgroundService
{
    protected abstract string IntervalSetting { get; }
    protected abstract TimeSpan Interval(int value);
    protected abstract int DefaultInterval { get; }
    protected abstract Task RunOnceAsync(CancellationToken cancellation);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var value = configuration.GetValue(IntervalSetting, DefaultInterval);
        if (value <= 0) return;
        using var timer = new PeriodicTimer(Interval(value));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await RunOnceAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e) { logger.LogWarning(e, "{Service} failed; it runs again at the next tick", GetType().Name); }
        }
    }
}

/// <summary>
/// The TTL sweep (<see cref="ExpirySweep"/>) every <c>TtlSweepSeconds</c> (default 60), and on the same
/// tick the subscription registry's sweep (<see cref="Serverless.Store.PubSub.PubSubService.SweepAsync"/>:
/// the subscriptions of a killed host's connections go).
/// </summary>
public sealed class ExpirySweepService(DurableEngine engine, IConfiguration configuration, ILogger<ExpirySweep> logger)
    : PeriodicService(configuration, logger)
{
    public const string Setting = "TtlSweepSeconds";
    readonly ExpirySweep sweep = new(engine.Client.Entities, logger);

    protected override string IntervalSetting => Setting;
    protected override int DefaultInterval => 60;
    protected override TimeSpan Interval(int value) => TimeSpan.FromSeconds(value);

    protected override async Task RunOnceAsync(CancellationToken cancellation)
    {
        await sweep.RunAsync(cancellation);
        if (engine.PubSub is { } pubsub) await pubsub.SweepAsync(cancellation);
    }
}

/// <summary><see cref="EntityStorageCleanup"/> every <c>EntityCleanupMinutes</c> (default 30).</summary>
public sealed class EntityCleanupService(DurableEngine engine, IConfiguration configuration, ILogger<EntityCleanupService> logger)
    : PeriodicService(configuration, logger)
{
    public const string Setting = "EntityCleanupMinutes";

    protected override string IntervalSetting => Setting;
    protected override int DefaultInterval => 30;
    protected override TimeSpan Interval(int value) => TimeSpan.FromMinutes(value);
    protected override Task RunOnceAsync(CancellationToken cancellation) => EntityStorageCleanup.RunAsync(engine.Client, logger, cancellation);
}

/// <summary>
/// The scheduled snapshot (<see cref="Serverless.Store.Persistence.SnapshotService.RunScheduledAsync"/>)
/// every <c>SnapshotSeconds</c> (default 0 = off; the Functions app uses the NCRONTAB setting
/// <c>SnapshotSchedule</c> instead).
/// </summary>
public sealed class SnapshotScheduleService(DurableEngine engine, IConfiguration configuration, ILogger<SnapshotScheduleService> logger)
    : PeriodicService(configuration, logger)
{
    public const string Setting = "SnapshotSeconds";

    protected override string IntervalSetting => Setting;
    protected override int DefaultInterval => 0;
    protected override TimeSpan Interval(int value) => TimeSpan.FromSeconds(value);
    protected override Task RunOnceAsync(CancellationToken cancellation) => engine.Snapshots.RunScheduledAsync(cancellation);
}
