using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;

namespace Serverless.Store.Client;

/// <summary>
/// A message from a subscription, in Redis's shape: <c>message</c> (a channel's) or <c>pmessage</c>
/// (matched by <see cref="Pattern"/>). Channel and data are text, as the store sends them.
/// </summary>
public sealed record StoreMessage(string Type, string Channel, string Data, string? Pattern = null);

/// <summary>
/// A live subscription (<see cref="StoreClient.SubscribeAsync"/>): enumerate it for messages
/// (<c>await foreach</c>, one reader), dispose it to leave. It holds a SignalR connection negotiated
/// at <c>&lt;base&gt;/negotiate</c> and registers its channels and patterns with
/// <c>POST &lt;base&gt;/subscribe</c>. When the connection drops it reconnects with growing delays
/// (0, 1, 2, 5, then every 10 s, without giving up) and subscribes again on the new connection.
/// Up to <see cref="BufferSize"/> messages wait for a slow reader; past that the oldest are dropped
/// and counted in <see cref="DroppedMessages"/>, the way Redis drops a subscriber that cannot keep up.
/// </summary>
public sealed class StoreSubscription : IAsyncEnumerable<StoreMessage>, IAsyncDisposable
{
    /// <summary>How many unread messages are kept.</summary>
    public const int BufferSize = 10_000;

    /// <summary>The SignalR method the store invokes with each message.</summary>
    const string MessageTarget = "message";

    readonly StoreConnection store;
    readonly string[] channels, patterns;
    readonly Channel<StoreMessage> messages;
    readonly HubConnection hub;
    readonly CancellationTokenSource disposing = new();
    long dropped;
    int reconnections;

    StoreSubscription(StoreConnection store, string[] channels, string[] patterns)
    {
        this.store = store;
        this.channels = channels;
        this.patterns = patterns;
        messages = Channel.CreateBounded<StoreMessage>(
            new BoundedChannelOptions(BufferSize) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref dropped));
        hub = new HubConnectionBuilder()
            .WithUrl(store.BaseUri, HttpTransportType.WebSockets | HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling,
                o => o.AccessTokenProvider = () => Task.FromResult(store.Token))
            .WithAutomaticReconnect(new ForeverRetryPolicy())
            .Build();
        hub.On<StoreMessage>(MessageTarget, m => messages.Writer.TryWrite(m));
        hub.Reconnecting += e =>
        {
            Log.Reconnecting(store.Logger, e?.Message);
            return Task.CompletedTask;
        };
        hub.Reconnected += id =>
        {
            _ = SubscribeUntilDoneAsync(id);
            return Task.CompletedTask;
        };
        hub.Closed += error =>
        {
            // Automatic reconnection never gives up, so this is a close without it (the server
            // ended the connection): start over, unless we are leaving.
            if (!disposing.IsCancellationRequested) _ = RestartAsync();
            return Task.CompletedTask;
        };
    }

    /// <summary>The current SignalR connection's ID (it changes after a reconnection).</summary>
    public string? ConnectionId => hub.ConnectionId;

    /// <summary>How many times the subscription was made again on a new connection after a drop.</summary>
    public int Reconnections => Volatile.Read(ref reconnections);

    /// <summary>How many messages were dropped because the reader fell more than <see cref="BufferSize"/> behind.</summary>
    public long DroppedMessages => Interlocked.Read(ref dropped);

    /// <summary>The channels subscribed to.</summary>
    public IReadOnlyList<string> Channels => channels;

    /// <summary>The patterns subscribed to.</summary>
    public IReadOnlyList<string> Patterns => patterns;

    internal static async Task<StoreSubscription> StartAsync(StoreConnection store, string[] channels, string[] patterns, CancellationToken cancellationToken)
    {
        if (channels.Length == 0 && patterns.Length == 0)
            throw new ArgumentException("subscribe to at least one channel or pattern", nameof(channels));
        var subscription = new StoreSubscription(store, channels, patterns);
        try
        {
            await subscription.hub.StartAsync(cancellationToken).ConfigureAwait(false);
            await subscription.SubscribeNewConnectionAsync(subscription.hub.ConnectionId, cancellationToken).ConfigureAwait(false);
            Log.Subscribed(store.Logger, subscription.hub.ConnectionId, channels.Length, patterns.Length);
            return subscription;
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    Task SubscribeAsync(string? connectionId, CancellationToken cancellationToken) =>
        store.PostAsync("/subscribe", JsonSerializer.SerializeToUtf8Bytes(new { connectionId, channels, patterns }), cancellationToken);

    /// <summary>
    /// Subscribes a connection that has just started. The hub may learn of it a moment after the
    /// client's handshake ends (its connect handler runs after the handshake; Azure SignalR Service
    /// is eventually consistent too), so the store's 404 "no SignalR connection" is retried briefly.
    /// </summary>
    async Task SubscribeNewConnectionAsync(string? connectionId, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(25);
        for (var waited = TimeSpan.Zero; ; waited += delay, delay *= 2)
        {
            try
            {
                await SubscribeAsync(connectionId, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (StoreException e) when (e.StatusCode == 404 && waited < UnknownConnectionGrace)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>How long a new connection may stay unknown to the store before subscribing fails.</summary>
    static readonly TimeSpan UnknownConnectionGrace = TimeSpan.FromSeconds(10);

    /// <summary>After a reconnection: subscribe on the new connection, retrying until it works, the connection changes again, or we leave.</summary>
    async Task SubscribeUntilDoneAsync(string? connectionId)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        while (!disposing.IsCancellationRequested && connectionId == hub.ConnectionId)
        {
            try
            {
                await SubscribeAsync(connectionId, disposing.Token).ConfigureAwait(false);
                Interlocked.Increment(ref reconnections);
                Log.Subscribed(store.Logger, connectionId, channels.Length, patterns.Length);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !disposing.IsCancellationRequested)
            {
                Log.ResubscribeFailed(store.Logger, connectionId, delay.TotalMilliseconds, e.Message);
            }
            try { await Task.Delay(delay, disposing.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
        }
    }

    async Task RestartAsync()
    {
        var policy = new ForeverRetryPolicy();
        for (var attempt = 0; !disposing.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(policy.Delay(attempt), disposing.Token).ConfigureAwait(false);
                await hub.StartAsync(disposing.Token).ConfigureAwait(false);
                await SubscribeUntilDoneAsync(hub.ConnectionId).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (disposing.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                Log.Reconnecting(store.Logger, e.Message);
            }
        }
    }

    /// <summary>The messages, as they arrive, until the subscription is disposed or <paramref name="cancellationToken"/> is cancelled.</summary>
    public IAsyncEnumerator<StoreMessage> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        messages.Reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>Leaves: unsubscribes (best effort, a few seconds at most), closes the connection, ends the enumeration.</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposing.IsCancellationRequested) return;
        disposing.Cancel();
        if (hub.State == HubConnectionState.Connected && hub.ConnectionId is { } id)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                // Neither list: every channel and pattern of this connection (Redis's UNSUBSCRIBE + PUNSUBSCRIBE).
                await store.PostAsync("/unsubscribe", JsonSerializer.SerializeToUtf8Bytes(new { connectionId = id }), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or StoreException or OperationCanceledException)
            {
                // The store also drops a connection's subscriptions when the connection closes.
            }
        }
        await hub.DisposeAsync().ConfigureAwait(false);
        messages.Writer.TryComplete();
    }

    /// <summary>Reconnect delays that grow to 10 s and never give up (a subscriber should outlive outages).</summary>
    sealed class ForeverRetryPolicy : IRetryPolicy
    {
        static readonly TimeSpan[] Delays = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

        public TimeSpan Delay(long attempt) => attempt < Delays.Length ? Delays[attempt] : TimeSpan.FromSeconds(10);

        public TimeSpan? NextRetryDelay(RetryContext retryContext) => Delay(retryContext.PreviousRetryCount);
    }
}
