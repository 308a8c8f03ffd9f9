namespace Serverless.Store.Client;

public abstract partial class StoreCommands
{
    /// <summary>PING: <c>PONG</c>.</summary>
    public Task<string> PingAsync(CancellationToken cancellationToken = default) =>
        SendAsync(["PING"], r => r.AsString()!, cancellationToken);

    /// <summary>ECHO.</summary>
    public Task<string> EchoAsync(StoreValue message, CancellationToken cancellationToken = default) =>
        SendAsync(["ECHO", message], r => r.AsString()!, cancellationToken);

    /// <summary>TIME: the store's clock.</summary>
    public Task<DateTimeOffset> TimeAsync(CancellationToken cancellationToken = default) =>
        SendAsync(["TIME"], Replies.Time, cancellationToken);

    /// <summary>PUBLISH: sends a message to a channel's subscribers; how many received it (counted as Redis counts).</summary>
    public Task<long> PublishAsync(string channel, StoreValue message, CancellationToken cancellationToken = default) =>
        SendAsync(["PUBLISH", channel, message], Replies.Int64, cancellationToken);

    /// <summary>PUBSUB CHANNELS: channels with subscribers (matching a glob when given).</summary>
    public Task<string[]> PubSubChannelsAsync(string? pattern = null, CancellationToken cancellationToken = default) =>
        SendAsync(pattern is null ? ["PUBSUB", "CHANNELS"] : ["PUBSUB", "CHANNELS", pattern], Replies.Strings, cancellationToken);

    /// <summary>PUBSUB NUMSUB: subscribers per channel.</summary>
    public Task<Dictionary<string, long>> PubSubNumSubAsync(IEnumerable<string> channels, CancellationToken cancellationToken = default) =>
        SendAsync(Command("PUBSUB", ["NUMSUB", .. Keys(channels)]), Replies.Counts, cancellationToken);

    /// <summary>PUBSUB NUMPAT: how many distinct patterns have subscribers.</summary>
    public Task<long> PubSubNumPatAsync(CancellationToken cancellationToken = default) =>
        SendAsync(["PUBSUB", "NUMPAT"], Replies.Int64, cancellationToken);
}
