using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Serverless.Store.Client;

/// <summary>
/// The retry policy of every request the client sends, as a Microsoft.Extensions.Http.Resilience
/// pipeline (the same one with or without dependency injection). What is retried:
/// <list type="bullet">
/// <item>transient failures (a connection error, a timeout of the attempt, HTTP 408, 429, 500, 502,
/// 503, 504) of requests whose commands are all safe to repeat: reads, and writes that answer the
/// same the second time (<c>SET</c> without NX/XX/GET, <c>SETEX</c>, <c>PSETEX</c>, <c>MSET</c>,
/// <c>EXPIRE</c>/<c>PEXPIRE</c>(<c>AT</c>) without conditions), and subscribe/unsubscribe calls;</item>
/// <item>any request, writes included, whose connection could not be opened (it never reached the
/// store).</item>
/// </list>
/// Never retried: a write such as INCR, LPUSH, DEL, HSET or XADD (or a pipeline or transaction
/// holding one) once it may have reached the store, and any answer from the store with an error
/// (HTTP 400, 401, 403, 413): those are the caller's to decide.
/// </summary>
public static class StoreResilience
{
    /// <summary>The name of the resilience handler <c>AddServerlessStore</c> adds.</summary>
    public const string HandlerName = "serverless-store";

    /// <summary>Marks a request whose commands are safe to repeat.</summary>
    internal static readonly HttpRequestOptionsKey<bool> Repeatable = new("Serverless.Store.Client.Repeatable");

    /// <summary>The retry strategy: what <see cref="StoreResilience"/> describes.</summary>
    public static HttpRetryStrategyOptions RetryOptions(StoreClientOptions options) => new()
    {
        MaxRetryAttempts = Math.Max(options.MaxRetries, 0),
        Delay = options.RetryDelay,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        ShouldRetryAfterHeader = true,
        ShouldHandle = args => ValueTask.FromResult(options.MaxRetries > 0 && ShouldRetry(args.Outcome, args.Context.GetRequestMessage())),
    };

    /// <summary>Adds the retry strategy to a pipeline builder.</summary>
    public static ResiliencePipelineBuilder<HttpResponseMessage> AddStoreRetry(this ResiliencePipelineBuilder<HttpResponseMessage> builder, StoreClientOptions options)
    {
        // MaxRetryAttempts must be at least 1 for Polly; with 0 the predicate above never retries.
        var retry = RetryOptions(options);
        if (retry.MaxRetryAttempts < 1) retry.MaxRetryAttempts = 1;
        return builder.AddRetry(retry);
    }

    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, HttpRequestMessage? request)
    {
        if (outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } && NeverSent(outcome.Exception))
            return true; // nothing reached the store: any command may be sent again
        var repeatable = request is not null && request.Options.TryGetValue(Repeatable, out var r) && r;
        if (!repeatable) return false;
        if (outcome.Exception is not null)
            return outcome.Exception is HttpRequestException or TimeoutException or OperationCanceledException { InnerException: TimeoutException };
        return outcome.Result?.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
            or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
    }

    /// <summary>A connection error whose socket was refused or unreachable: the request was never written.</summary>
    static bool NeverSent(Exception exception)
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.ConnectionRefused or System.Net.Sockets.SocketError.HostUnreachable or System.Net.Sockets.SocketError.NetworkUnreachable or System.Net.Sockets.SocketError.HostNotFound })
                return true;
        return false;
    }
}
