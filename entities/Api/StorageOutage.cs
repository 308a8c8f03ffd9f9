using System.Net.Http;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Serverless.Store.Api;

/// <summary>The store's storage cannot be reached: the router answers 503 with this message.</summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Whether the store's storage answers. A request that fails because storage cannot be reached
/// (the SDK's retries spent: about 20 s) marks it down; from then on requests are answered at
/// once with 503 instead of each waiting out the retries, while a probe (<see cref="Probe"/>,
/// one cheap read, once a second) waits for storage to answer again, then lets requests through.
/// </summary>
public sealed class StorageOutage(Func<CancellationToken, Task> probe, TimeSpan? probeEvery = null)
{
    /// <summary>How long one probe may take before it counts as "still down".</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Where the outage's start and end are logged (the host sets it).</summary>
    public ILogger? Logger { get; set; }

    readonly TimeSpan every = probeEvery ?? TimeSpan.FromSeconds(1);
    readonly object gate = new();
    long downSinceMs = -1;
    Task? probing;
    volatile CancellationTokenSource up = new();

    /// <summary>Cancelled when storage is found down: waits for replies end then (their write may still be applied later).</summary>
    public CancellationToken WhileUp => up.Token;

    /// <summary>The message requests get while storage is down, or null while it answers.</summary>
    public string? Refusal
    {
        get
        {
            var since = Interlocked.Read(ref downSinceMs);
            return since < 0 ? null : $"ERR storage is unavailable (for {(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - since) / 1000} s): nothing was run; retry later";
        }
    }

    /// <summary>What a gRPC server answers when its handler threw (status Unknown).</summary>
    const string HostHandlerFailed = "StatusCode=\"Unknown\", Detail=\"Exception was thrown by handler.\"";

    /// <summary>True when <paramref name="e"/> (or what it wraps) means storage could not be reached or failed on its side.</summary>
    public static bool IsStorageFailure(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is StorageUnavailableException) return true;
            if (x is AggregateException aggregate && aggregate.InnerExceptions.Any(IsStorageFailure)) return true;
            if (x is Azure.RequestFailedException { Status: 0 or >= 500 } or HttpRequestException or SocketException) return true;
            // The Functions worker reaches storage through its host over gRPC: Unavailable means the host cannot,
            // and Unknown "thrown by handler" that the host's call failed, its cause not passed on (in an outage,
            // storage: a signal's queue message could not be sent). If storage does answer, the probe lets
            // requests through again within a second.
            if (x.GetType().FullName == "Grpc.Core.RpcException"
                && (x.Message.Contains("Unavailable", StringComparison.Ordinal) || x.Message.Contains(HostHandlerFailed, StringComparison.Ordinal)))
                return true;
        }
        return false;
    }

    /// <summary>A request failed for <paramref name="e"/>: storage is marked down (and probed) when that is why. True when it was.</summary>
    public bool Failed(Exception e)
    {
        if (!IsStorageFailure(e)) return false;
        lock (gate)
        {
            if (Interlocked.CompareExchange(ref downSinceMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), -1) == -1)
            {
                Logger?.LogWarning("Storage is unavailable ({Reason}): requests answer 503 until it answers again", e.GetBaseException().Message);
                up.Cancel();
            }
            probing ??= Task.Run(ProbeAsync);
        }
        return true;
    }

    async Task ProbeAsync()
    {
        while (true)
        {
            await Task.Delay(every);
            try
            {
                // Bounded, so the SDK's retries (tens of seconds) do not delay noticing that storage is back.
                using var patience = new CancellationTokenSource(ProbeTimeout);
                await probe(patience.Token);
                up = new CancellationTokenSource();
                var since = Interlocked.Exchange(ref downSinceMs, -1);
                Logger?.LogWarning("Storage answers again after {Seconds} s: serving requests", (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - since) / 1000);
                lock (gate) probing = null;
                return;
            }
            catch (Exception e) when (IsStorageFailure(e) || e is OperationCanceledException)
            {
                // still down
            }
            catch (Exception e)
            {
                // Storage answered (with an error of another kind): it is reachable.
                Logger?.LogWarning(e, "The storage probe failed for another reason; serving requests again");
                up = new CancellationTokenSource();
                Interlocked.Exchange(ref downSinceMs, -1);
                lock (gate) probing = null;
                return;
            }
        }
    }
}
