using Microsoft.AspNetCore.SignalR.Client;

namespace Serverless.Store.PubSub;

/// <summary>
/// The store as a SignalR client of its own hub: a connection that follows a negotiate answer
/// (<see cref="NegotiateResult"/>, the client URL and token a browser would get) and hands the
/// messages it receives to a <see cref="HeldConnection"/>. Azure SignalR Service's transport holds
/// server-sent-event subscribers this way; the tests also run it against the standalone hub.
/// </summary>
public static class SignalRClient
{
    public static async Task<HeldConnection> ConnectAsync(NegotiateResult negotiated, CancellationToken cancellation)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(negotiated.Url, options => options.AccessTokenProvider = () => Task.FromResult<string?>(negotiated.AccessToken))
            .Build();
        // Nothing is subscribed before StartAsync returns, so no message can arrive before the connection is set.
        HeldConnection? held = null;
        hub.On<PubSubMessage>(IPubSubTransport.Target, message => held?.Deliver(message));
        try
        {
            await hub.StartAsync(cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await hub.DisposeAsync();
            throw new PubSubTransportException("connecting to the SignalR hub failed: " + e.Message, e);
        }
        held = new HeldConnection(hub.ConnectionId!, hub.DisposeAsync);
        hub.Closed += error =>
        {
            held.Closed(error);
            return Task.CompletedTask;
        };
        return held;
    }
}
