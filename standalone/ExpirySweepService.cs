using Serverless.Store.Durable;

namespace Serverless.Store.Standalone;

/// <summary>
/// Runs <see cref="ExpirySweep"/> every <c>TtlSweepSeconds</c> (setting; default 60, 0 = off) in the
/// standalone host, the same code the Functions timer runs.
/// </summary>
public sealed class ExpirySweepService(DurableEngine engine, IConfiguration configuration, ILogger<ExpirySweep> logger) : BackgroundService
{
    public const string IntervalSetting = "TtlSweepSeconds";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seconds = configuration.GetValue(IntervalSetting, 60);
        if (seconds <= 0) return;
        var sweep = new ExpirySweep(engine.Client, logger);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(seconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try { await sweep.RunAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e) { logger.LogWarning(e, "TTL sweep failed; it runs again at the next tick"); }
        }
    }
}
