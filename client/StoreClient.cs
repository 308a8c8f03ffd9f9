using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace Serverless.Store.Client;

/// <summary>
/// The store's client: every command as a typed async method (<see cref="StoreCommands"/>),
/// pipelines and transactions, scripts, and pub/sub subscriptions. Thread-safe; make one per store
/// and share it (with dependency injection: <c>services.AddServerlessStore(...)</c>, then inject it).
/// <para>
/// Values are binary-safe both ways: replies are asked for in base64 and decoded, and a command
/// holding bytes that are not UTF-8 is sent in the store's path form (each argument
/// percent-encoded in the URL, the last one as the body), since JSON cannot carry such bytes.
/// Pipelines and transactions travel as JSON and refuse such bytes with an
/// <see cref="ArgumentException"/> saying so.
/// </para>
/// </summary>
public sealed class StoreClient : StoreCommands, IDisposable
{
    readonly StoreConnection connection;
    readonly AutoBatcher? autoBatcher;
    readonly HttpClient? ownedHttpClient;

    /// <summary>A client for the store at <paramref name="url"/> (its REST base) with a token.</summary>
    public StoreClient(string url, string? token = null) : this(new StoreClientOptions { Url = url, Token = token }) { }

    /// <summary>
    /// A client without dependency injection. Requests go through <paramref name="handler"/> (default:
    /// a <see cref="SocketsHttpHandler"/> that renews connections every two minutes) behind the same
    /// retry policy <c>AddServerlessStore</c> installs (<see cref="StoreResilience"/>).
    /// </summary>
    public StoreClient(StoreClientOptions options, HttpMessageHandler? handler = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var resilience = new ResilienceHandler(new ResiliencePipelineBuilder<HttpResponseMessage>().AddStoreRetry(options).Build())
        {
            InnerHandler = handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) },
        };
        ownedHttpClient = new HttpClient(resilience, disposeHandler: handler is null);
        var http = ownedHttpClient;
        (connection, autoBatcher) = Connect(() => http, options, loggerFactory);
    }

    /// <summary>The dependency-injection path: a named client of <see cref="IHttpClientFactory"/> per request.</summary>
    internal StoreClient(Func<HttpClient> httpClient, StoreClientOptions options, ILoggerFactory? loggerFactory, Action<Action>? scheduleAutoBatch = null) =>
        (connection, autoBatcher) = Connect(httpClient, options, loggerFactory, scheduleAutoBatch);

    static (StoreConnection, AutoBatcher?) Connect(Func<HttpClient> httpClient, StoreClientOptions options, ILoggerFactory? loggerFactory,
        Action<Action>? scheduleAutoBatch = null)
    {
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<StoreClient>();
        var connection = new StoreConnection(httpClient, options.BaseUri(), options.Token, logger);
        return (connection, options.AutoBatch ? new AutoBatcher(connection, options.AutoBatchMaxCommands, scheduleAutoBatch) : null);
    }

    /// <summary>The store's REST base.</summary>
    public Uri BaseUri => connection.BaseUri;

    private protected override Task<StoreResult> SendAsync(StoreValue[] command, CancellationToken cancellationToken) =>
        autoBatcher is not null && CommandTraits.IsBatchable(command) && RestProtocol.IsJsonSafe(command)
            ? autoBatcher.SendAsync(command, cancellationToken)
            : connection.ExecuteAsync(command, cancellationToken);

    /// <summary>A pipeline: queue commands on it, then <see cref="StoreBatch.ExecuteAsync"/>.</summary>
    public StorePipeline CreatePipeline() => new(connection);

    /// <summary>A transaction (MULTI/EXEC): queue commands on it, then <see cref="StoreBatch.ExecuteAsync"/>.</summary>
    public StoreTransaction CreateTransaction() => new(connection);

    /// <summary>
    /// Runs a Lua script: EVALSHA with the script's SHA-1 first (no script text on the wire when
    /// the store has it), then EVAL when the store answers NOSCRIPT, which also stores it.
    /// </summary>
    public override async Task<StoreResult> EvalAsync(string script, IEnumerable<string>? keys = null, IEnumerable<StoreValue>? arguments = null,
        CancellationToken cancellationToken = default)
    {
        var keyList = keys?.ToList() ?? [];
        var argumentList = arguments?.ToList() ?? [];
        var sha = ScriptSha1(script);
        try
        {
            return await SendAsync(ScriptCommand("EVALSHA", sha, keyList, argumentList), cancellationToken).ConfigureAwait(false);
        }
        catch (StoreException e) when (e.Prefix == "NOSCRIPT")
        {
            Log.ScriptNotCached(connection.Logger, sha);
            return await SendAsync(ScriptCommand("EVAL", script, keyList, argumentList), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Subscribes to channels and glob patterns over the store's SignalR route and answers once the
    /// store holds the subscription (a PUBLISH after this counts it). Enumerate the subscription for
    /// messages; dispose it to leave. After a dropped connection it reconnects and subscribes again
    /// by itself (messages published while it was away are lost, as in Redis).
    /// </summary>
    public Task<StoreSubscription> SubscribeAsync(IEnumerable<string> channels, IEnumerable<string>? patterns = null, CancellationToken cancellationToken = default) =>
        StoreSubscription.StartAsync(connection, channels.ToArray(), patterns?.ToArray() ?? [], cancellationToken);

    /// <summary>Releases the HTTP client this instance made (none with dependency injection).</summary>
    public void Dispose() => ownedHttpClient?.Dispose();
}
