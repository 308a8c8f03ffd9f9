namespace Serverless.Store.Durable;

/// <summary>
/// How long the Durable Task worker's dispatchers wait after a failed work item or fetch. The Azure
/// Storage backend answers a fixed 10 s (a TODO in Azure/durabletask); after a failed work item,
/// DurableTask.Core's dispatcher waits that long after each of its fetches until 5 work items succeed:
/// after a storage outage writes waited up to about 50 s. 1 s still keeps a failing loop from spinning.
/// Both hosts use it: the standalone worker's view of the service, and the Functions host's extension
/// (entities/FunctionsHost), which both compile this file in.
/// </summary>
static class DispatcherBackoff
{
    public const int Seconds = 1;

    /// <summary>The wait to take instead of the backend's (never longer than the backend asks).</summary>
    public static int Shorten(int backendSeconds) => Math.Min(Seconds, backendSeconds);
}
