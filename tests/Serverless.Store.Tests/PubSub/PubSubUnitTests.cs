using Serverless.Store.Keyspace;
using Serverless.Store.Commands;
using Serverless.Store.PubSub;
using Microsoft.Extensions.Time.Testing;

namespace Serverless.Store.Tests.PubSub;

/// <summary>Connection strings, subscribe tokens and their grants, upstream signatures, the registry's routing, the notification letters.</summary>
public sealed class PubSubUnitTests
{
    [Theory]
    [InlineData("Endpoint=https://x.service.signalr.net;AccessKey=abc=;Version=1.0;", "https://x.service.signalr.net", "abc=")]
    [InlineData("endpoint=http://localhost;port=8888;accesskey=KEY;", "http://localhost:8888", "KEY")]
    [InlineData(" Endpoint = https://x.service.signalr.net/ ; AccessKey = k==", "https://x.service.signalr.net", "k==")]
    public void Connection_strings_parse(string text, string baseUrl, string key)
    {
        var c = SignalRConnectionString.Parse(text);
        Assert.Equal(baseUrl, c.BaseUrl);
        Assert.Equal(key, c.AccessKey);
        Assert.Equal(baseUrl + "/client/?hub=store", c.ClientUrl("store"));
        Assert.DoesNotContain(key, c.ToString());
    }

    [Theory]
    [InlineData("AccessKey=k", "Endpoint")]
    [InlineData("Endpoint=ftp://x;AccessKey=k", "Endpoint")]
    [InlineData("Endpoint=https://x", "AccessKey")]
    [InlineData("Endpoint=https://x;AccessKey=k;Version=2.0", "Version")]
    [InlineData("Endpoint=https://x;AuthType=aad", "AuthType")]
    [InlineData("Endpoint=https://x;AccessKey=k;Port=http", "Port")]
    [InlineData("nonsense", "key=value")]
    public void Bad_connection_strings_say_what_is_wrong(string text, string named)
    {
        var e = Assert.Throws<FormatException>(() => SignalRConnectionString.Parse(text));
        Assert.Contains(named, e.Message);
        Assert.StartsWith(SignalRConnectionString.Setting, e.Message);
    }

    [Fact]
    public async Task Subscribe_tokens_carry_their_patterns_and_are_bound_to_the_store_token()
    {
        var tokens = new SubscribeTokens("store-token");
        var token = tokens.Issue(["orders", "orders.*"], TimeSpan.FromMinutes(5), "ada");
        var grant = await tokens.ValidateAsync(token);
        Assert.NotNull(grant);
        Assert.Equal(["orders", "orders.*"], grant.Patterns);
        Assert.Equal("ada", grant.User);
        var single = await tokens.ValidateAsync(tokens.Issue(["only"], TimeSpan.FromMinutes(5)));
        Assert.Equal(["only"], single!.Patterns);

        Assert.Null(await new SubscribeTokens("another-store-token").ValidateAsync(token)); // STORE_TOKEN changed: revoked
        Assert.Null(await tokens.ValidateAsync("store-token"));
        Assert.Null(await tokens.ValidateAsync(null));
        var expired = new SubscribeTokens("store-token", new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2))).Issue(["orders"], TimeSpan.FromMinutes(5));
        Assert.Null(await tokens.ValidateAsync(expired));
        Assert.False(new SubscribeTokens(null).CanIssue);
    }

    [Theory]
    [InlineData("orders", true)]
    [InlineData("orders.eu", true)]
    [InlineData("payments", false)]
    [InlineData("orders2", false)]
    public void A_grant_allows_channels_its_patterns_match(string channel, bool allowed) =>
        Assert.Equal(allowed, new SubscribeGrant(["orders", "orders.*"], null).AllowsChannel(channel));

    [Theory]
    [InlineData("orders.*", true)]      // the same pattern
    [InlineData("orders.eu.*", true)]   // starts with the literal prefix of orders.*
    [InlineData("orders.[ab]", true)]
    [InlineData("orders.eu", true)]     // a literal channel orders.* matches
    [InlineData("orders*", false)]      // would match orders2
    [InlineData("*", false)]
    [InlineData("o?ders.*", false)]
    [InlineData("news", false)]
    public void A_grant_allows_patterns_only_inside_its_own(string pattern, bool allowed) =>
        Assert.Equal(allowed, new SubscribeGrant(["orders", "orders.*"], null).AllowsPattern(pattern));

    [Fact]
    public void Upstream_signatures_are_checked_with_the_access_key_in_constant_time()
    {
        var hub = new PubSubHub(new RecordingTransport(), "store", new SubscribeTokens(null), upstreamKey: "access-key");
        var good = PubSubHub.UpstreamSignature("access-key", "conn-1");
        Assert.Matches("^sha256=[0-9a-f]{64}$", good);
        Assert.True(hub.VerifyUpstream("conn-1", good));
        Assert.True(hub.VerifyUpstream("conn-1", PubSubHub.UpstreamSignature("old-key", "conn-1") + "," + good)); // key rotation: two signatures
        Assert.True(hub.VerifyUpstream("conn-1", good.ToUpperInvariant().Replace("SHA256", "sha256")));
        Assert.False(hub.VerifyUpstream("conn-2", good));
        Assert.False(hub.VerifyUpstream("conn-1", PubSubHub.UpstreamSignature("other-key", "conn-1")));
        Assert.False(hub.VerifyUpstream("conn-1", null));
        Assert.False(new PubSubHub(new RecordingTransport(), "store", new SubscribeTokens(null)).VerifyUpstream("conn-1", good)); // no upstream here
    }

    [Fact]
    public void The_registry_routes_a_message_to_the_channel_and_every_matching_pattern_and_counts_like_redis()
    {
        var registry = new Subscriptions();
        registry.Apply(new RegistryUpdate { Id = "1", ConnectionId = "a", Subscribe = true, Channels = ["news.eu"], Patterns = ["news.*", "n[aeiou]ws.??"] });
        registry.Apply(new RegistryUpdate { Id = "2", ConnectionId = "b", Subscribe = true, Channels = ["news.eu"], Patterns = ["news.*"] });
        registry.Apply(new RegistryUpdate { Id = "2", ConnectionId = "c", Subscribe = true, Channels = ["ignored"] }); // a redelivered update id
        var routes = registry.Route("news.eu", "x").ToList();
        Assert.Equal(
        [
            (Groups.Channel("news.eu"), PubSubMessage.Message("news.eu", "x"), 2),
            (Groups.Pattern("n[aeiou]ws.??"), PubSubMessage.PMessage("n[aeiou]ws.??", "news.eu", "x"), 1),
            (Groups.Pattern("news.*"), PubSubMessage.PMessage("news.*", "news.eu", "x"), 2),
        ], routes);
        Assert.Equal(0, registry.NumSub("ignored"));
        Assert.Empty(registry.Route("sports", "x"));

        registry.Drop("a");
        Assert.Equal(2, registry.Route("news.eu", "x").Sum(r => r.Receivers));
        registry.Apply(new RegistryUpdate { Id = "3", ConnectionId = "b", Subscribe = false }); // everything
        Assert.Empty(registry.Route("news.eu", "x"));
        Assert.Empty(registry.Channels);
        Assert.Empty(registry.Patterns);
    }

    [Theory]
    [InlineData("", false, false, "")]
    [InlineData("KEA", true, true, "AKE")]
    [InlineData("Kx", true, false, "xK")]
    [InlineData("E$g", false, true, "g$E")]
    [InlineData("A", false, false, "A")] // classes without K or E publish nothing, as in Redis
    public void Notification_letters_parse_like_redis(string letters, bool keyspace, bool keyevent, string canonical)
    {
        var n = KeyspaceNotifications.Parse(letters);
        Assert.Equal((keyspace, keyevent, canonical), (n.Keyspace, n.Keyevent, n.ToString()));
        Assert.Equal(letters.Length > 0 && (keyspace || keyevent), n.Enabled);
    }

    [Fact]
    public void A_notification_letter_redis_does_not_know_is_refused_by_name()
    {
        var e = Assert.Throws<FormatException>(() => KeyspaceNotifications.Parse("KEq"));
        Assert.Contains("'q'", e.Message);
    }

    [Fact]
    public void Notifications_filter_by_class_and_name_both_channels()
    {
        var n = KeyspaceNotifications.Parse("KE$");
        var set = new KeyspaceEvent('$', "set", "k"u8.ToArray());
        var del = new KeyspaceEvent('g', "del", "k"u8.ToArray());
        Assert.Equal([set], n.Filter([set, del]));
        Assert.Equal([("__keyspace@0__:k", "set"), ("__keyevent@0__:set", "k")], n.Messages(set));
    }
}
