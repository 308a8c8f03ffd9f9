using System.Net.Sockets;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

#pragma warning disable CS0618 // IDistributedLockManager is marked "not ready for public consumption", and is what the host's singletons use

namespace Serverless.Store.FunctionsHost;

/// <summary>
/// The host's singleton locks (one per timer trigger: the TTL sweep, snapshots, cleanup), as the
/// singleton manager sees them, with one change.
/// The WebJobs SDK renews each lock's blob lease well before it expires; when storage answers 5xx it tries
/// again soon, but when storage does not answer at all (refused or timed out, as in an outage) the renewal
/// throws and the Functions host stops itself: the store was down until the platform started it again.
/// Here a renewal that got no answer is treated as the SDK treats a 5xx: tried again soon. A lease that
/// expired meanwhile is renewed as long as no other instance took it; if one did, the renewal gets a 409
/// from storage and the SDK stops this host as before (until then both may run the timer: the timers'
/// work is safe to repeat, docs/functions.md).
/// </summary>
sealed class OutageTolerantLockManager(IDistributedLockManager inner, ILogger logger) : IDistributedLockManager
{
    /// <summary>The WebJobs SDK's singleton manager, internal to it: it is found by name.</summary>
    internal const string SingletonManagerTypeName = "Microsoft.Azure.WebJobs.Host.SingletonManager";

    /// <summary>
    /// Makes the host's singleton manager (the one component that stops the host when a renewal throws)
    /// use the host's lock manager through this one. The lock manager itself cannot be wrapped here: the
    /// Functions host registers its blob lease manager after the extensions' startups run, so it is
    /// looked up when the singleton manager is built. Returns false (and changes nothing) when there is
    /// no singleton manager registered.
    /// </summary>
    internal static bool WrapSingletonLocks(IServiceCollection services)
    {
        var registration = services.LastOrDefault(d => d.ServiceType.FullName == SingletonManagerTypeName
            && d.ImplementationType == d.ServiceType);
        if (registration is null) return false;
        var managerType = registration.ServiceType;
        services.Remove(registration);
        services.AddSingleton(managerType, provider => ActivatorUtilities.CreateInstance(provider, managerType,
            new OutageTolerantLockManager(provider.GetRequiredService<IDistributedLockManager>(),
                provider.GetRequiredService<ILoggerFactory>().CreateLogger(StoreHostStartup.LogCategory))));
        return true;
    }

    public async Task<bool> RenewAsync(IDistributedLock lockHandle, CancellationToken cancellationToken)
    {
        try
        {
            return await inner.RenewAsync(lockHandle, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && GotNoAnswer(e))
        {
            logger.LogWarning("Singleton lock renewal for {LockId} could not reach storage ({Error}); trying again soon",
                lockHandle.LockId, (e is AggregateException { InnerExceptions: [var first, ..] } ? first : e).Message);
            return false;
        }
    }

    /// <summary>
    /// Storage did not answer (refused, reset, timed out), however the SDK wrapped it: an answer with a
    /// status carries no such cause. Only System types are judged: the host and its extensions may each
    /// load their own copy of Azure.Core, so the SDK's exception type here need not be the one thrown.
    /// </summary>
    internal static bool GotNoAnswer(Exception e) => e switch
    {
        AggregateException all => all.InnerExceptions.Count > 0 && all.InnerExceptions.All(GotNoAnswer),
        HttpRequestException or SocketException or TimeoutException or OperationCanceledException => true,
        _ => e.InnerException is { } cause && GotNoAnswer(cause),
    };

    public Task<IDistributedLock> TryLockAsync(string account, string lockId, string lockOwnerId, string proposedLeaseId,
        TimeSpan lockPeriod, CancellationToken cancellationToken) =>
        inner.TryLockAsync(account, lockId, lockOwnerId, proposedLeaseId, lockPeriod, cancellationToken);
    public Task<string> GetLockOwnerAsync(string account, string lockId, CancellationToken cancellationToken) =>
        inner.GetLockOwnerAsync(account, lockId, cancellationToken);
    public Task ReleaseLockAsync(IDistributedLock lockHandle, CancellationToken cancellationToken) =>
        inner.ReleaseLockAsync(lockHandle, cancellationToken);
}
