using Serverless.Store.Client.Tests.Infrastructure;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Client.Tests.Store;

/// <summary>SubscribeAsync over the store's SignalR route: messages, patterns, leaving, and a dropped connection (the store killed and restarted).</summary>
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class PubSubTests(StoreHost host) : StoreTest(host)
{

    /// <summary>The next message, failing after a minute (a lost message, not a slow one).</summary>
    static async Task<StoreMessage> NextAsync(IAsyncEnumerator<StoreMessage> messages, TimeSpan? wait = null)
    {
        var next = messages.MoveNextAsync().AsTask();
        Assert.True(await Task.WhenAny(next, Task.Delay(wait ?? TimeSpan.FromMinutes(1))) == next && await next, "no message arrived");
        return messages.Current;
    }

    [Fact]
    public async Task Messages_and_pattern_messages_arrive_in_Redis_shape_and_leaving_unsubscribes()
    {
        var k = new TestKeys();
        string orders = k["orders"], pattern = k["orders"] + ".*";
        await using var subscription = await Client.SubscribeAsync([orders], [pattern]);
        Assert.NotNull(subscription.ConnectionId);
        await using var messages = subscription.GetAsyncEnumerator();

        Assert.Equal(1, await Client.PublishAsync(orders, "first"));
        Assert.Equal(new StoreMessage("message", orders, "first"), await NextAsync(messages));
        Assert.Equal(1, await Client.PublishAsync(orders + ".eu", "second"));
        Assert.Equal(new StoreMessage("pmessage", orders + ".eu", "second", pattern), await NextAsync(messages));

        Assert.Contains(orders, await Client.PubSubChannelsAsync(k.Pattern));
        Assert.Equal(1, (await Client.PubSubNumSubAsync([orders]))[orders]);
        Assert.True(await Client.PubSubNumPatAsync() >= 1);

        await subscription.DisposeAsync();
        Assert.Equal(0, (await Client.PubSubNumSubAsync([orders]))[orders]);
        Assert.Equal(0, await Client.PublishAsync(orders, "nobody"));
        Assert.False(await messages.MoveNextAsync()); // the enumeration ended
    }

    [Fact]
    public async Task Subscribing_to_nothing_is_refused_before_any_connection()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Client.SubscribeAsync([]));
        Assert.Contains("at least one channel or pattern", error.Message);
    }

    [Fact]
    public async Task After_the_connection_drops_the_subscription_reconnects_and_subscribes_again()
    {
        var channel = new TestKeys()["alerts"];
        await using var subscription = await Client.SubscribeAsync([channel]);
        await using var messages = subscription.GetAsyncEnumerator();
        Assert.Equal(1, await Client.PublishAsync(channel, "before"));
        Assert.Equal("before", (await NextAsync(messages)).Data);
        var firstConnection = subscription.ConnectionId;

        await Host.KillAndRestartAsync(); // kill -9: the SignalR connection dies with the process

        // Messages published while it was away are lost (as in Redis): publish until one arrives.
        var deadline = DateTime.UtcNow.AddMinutes(3);
        StoreMessage? received = null;
        Task<bool>? next = null;
        for (var i = 0; received is null && DateTime.UtcNow < deadline; i++)
        {
            await Client.PublishAsync(channel, $"after-{i}");
            next ??= messages.MoveNextAsync().AsTask();
            if (await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(2))) == next && await next) received = messages.Current;
        }
        Assert.NotNull(received);
        Assert.StartsWith("after-", received.Data);
        // The store may deliver before the client has read the subscribe call's answer: wait for the count.
        while (subscription.Reconnections == 0 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(subscription.Reconnections >= 1);
        Assert.NotEqual(firstConnection, subscription.ConnectionId);
    }
}
