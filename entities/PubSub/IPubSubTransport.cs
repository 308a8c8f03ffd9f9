using System.Text;
using System.Text.Json.Serialization;
using System.Threading.Channels;

namespace Serverless.Store.PubSub;

/// <summary>
/// Where subscribers are connected: Azure SignalR Service (<see cref="AzureSignalRTransport"/>, its
/// data-plane REST API) or the standalone host's in-process ASP.NET Core hub. Channels and
/// patterns are SignalR groups (<see cref="Groups"/>); a message is an invocation of the client
/// target <see cref="Target"/> with one <see cref="PubSubMessage"/>. A failure throws
/// <see cref="PubSubTransportException"/>: a publish that did not go out is an error, not silence.
/// </summary>
public interface IPubSubTransport
{
    /// <summary>The client method every message invokes.</summary>
    const string Target = "message";

    /// <summary>What <c>negotiate</c> answers: where the client connects and its token.</summary>
    NegotiateResult Negotiate(string userId, Uri requestOrigin);

    Task SendToGroupAsync(string group, PubSubMessage message, CancellationToken cancellation);
    Task AddToGroupAsync(string group, string connectionId, CancellationToken cancellation);
    Task RemoveFromGroupAsync(string group, string connectionId, CancellationToken cancellation);
    Task RemoveFromAllGroupsAsync(string connectionId, CancellationToken cancellation);
    Task<bool> ConnectionExistsAsync(string connectionId, CancellationToken cancellation);

    /// <summary>
    /// Opens a connection that this process holds for a subscriber that is not a SignalR client (a
    /// server-sent-event stream): it has a connection id, joins groups and is counted like any other
    /// connection, and its messages come to <see cref="HeldConnection.Messages"/>. Disposing it leaves the hub.
    /// </summary>
    Task<HeldConnection> ConnectAsync(string userId, CancellationToken cancellation);
}

/// <summary>
/// A hub connection this process holds (<see cref="IPubSubTransport.ConnectAsync"/>). Its messages
/// queue in a bounded buffer: a reader that falls <see cref="MaxQueued"/> messages behind is cut
/// off (the buffer completes with an error), as Redis disconnects a subscriber past its
/// <c>client-output-buffer-limit pubsub</c>, so a slow reader cannot grow the process's memory.
/// </summary>
public sealed class HeldConnection(string connectionId, Func<ValueTask> leave) : IAsyncDisposable
{
    public const int MaxQueued = 10_000;

    readonly Channel<PubSubMessage> messages = Channel.CreateBounded<PubSubMessage>(
        new BoundedChannelOptions(MaxQueued) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    int left;

    public string ConnectionId { get; } = connectionId;

    public ChannelReader<PubSubMessage> Messages => messages.Reader;

    /// <summary>A message for this connection (from the transport).</summary>
    public void Deliver(PubSubMessage message)
    {
        if (!messages.Writer.TryWrite(message))
            messages.Writer.TryComplete(new PubSubTransportException($"the subscriber fell {MaxQueued} messages behind and was disconnected"));
    }

    /// <summary>The hub dropped the connection (the service closed it): the reader sees the end.</summary>
    public void Closed(Exception? error = null) =>
        messages.Writer.TryComplete(error is null ? null : new PubSubTransportException("the SignalR connection closed: " + error.Message, error));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref left, 1) == 1) return;
        messages.Writer.TryComplete();
        await leave();
    }

    /// <summary>
    /// A connection that lives in a transport's own process (no socket, no hub client): recorded in
    /// <paramref name="held"/> and announced with <paramref name="connected"/>; leaving removes it and
    /// calls <paramref name="gone"/>. The in-process transports' <see cref="IPubSubTransport.ConnectAsync"/>.
    /// </summary>
    public static HeldConnection Open(System.Collections.Concurrent.ConcurrentDictionary<string, HeldConnection> held, Action<string> connected, Action<string> gone)
    {
        var id = "held-" + Guid.NewGuid().ToString("N");
        var connection = new HeldConnection(id, () =>
        {
            held.TryRemove(id, out _);
            gone(id);
            return ValueTask.CompletedTask;
        });
        held[id] = connection;
        connected(id);
        return connection;
    }
}

/// <summary>The body of a negotiate answer: the SignalR clients follow <c>url</c> with <c>accessToken</c>.</summary>
public sealed record NegotiateResult(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("accessToken")] string AccessToken);

/// <summary>
/// A message as subscribers receive it, in Redis's shape: <c>{type:"message", channel, data}</c> or
/// <c>{type:"pmessage", pattern, channel, data}</c>. Channel and data are bytes in Redis; here they
/// are text (UTF-8, invalid sequences replaced), like the REST API's replies.
/// </summary>
public sealed record PubSubMessage(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("pattern"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Pattern,
    [property: JsonPropertyName("channel")] string Channel,
    [property: JsonPropertyName("data")] string Data)
{
    public static PubSubMessage Message(string channel, string data) => new("message", null, channel, data);
    public static PubSubMessage PMessage(string pattern, string channel, string data) => new("pmessage", pattern, channel, data);
}

/// <summary>
/// Group names: <c>c.</c> + the channel, <c>p.</c> + the pattern, base64url-encoded so that any
/// channel text is a valid group name in Azure (which limits names to 1024 characters: hence
/// <see cref="MaxNameBytes"/>) and channels and patterns never share a group.
/// </summary>
public static class Groups
{
    /// <summary>Longest channel or pattern a connection can subscribe to (UTF-8 bytes).</summary>
    public const int MaxNameBytes = 512;

    public static string Channel(string channel) => "c." + Base64Url(channel);
    public static string Pattern(string pattern) => "p." + Base64Url(pattern);

    static string Base64Url(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed class PubSubTransportException(string message, Exception? inner = null) : Exception(message, inner);
