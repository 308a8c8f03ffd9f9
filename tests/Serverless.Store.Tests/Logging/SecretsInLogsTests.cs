using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Serverless.Store.PubSub;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Tests.Logging;

/// <summary>
/// The standalone host as a process logging everything it can (<see cref="VerboseStoreHost"/>: every
/// category at Trace, DetailedLogs on), driven with every credential form it takes: the full and
/// read-only tokens as Bearer headers and as ?_token=, a subscribe token, the negotiate access token
/// (which SignalR's WebSockets send in the URL), and its storage connection string's account key.
/// None may appear in any line it wrote. The Azure SignalR access key is checked where it is used,
/// in the transport with a captured logger.
/// </summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)] // one after the other HTTP tests, not beside them; on a store of its own
public sealed class SecretsInLogsTests(VerboseStoreHost store) : IClassFixture<VerboseStoreHost>
{
    /// <summary>What a sink would write of each record: message, structured values, exception.</summary>
    static IReadOnlyList<string> Lines(FakeLoggerProvider capture) => capture.Collector.GetSnapshot()
        .Select(r => $"{r.Level} {r.Category}: {r.Message} [{string.Join(", ", (r.StructuredState ?? []).Select(p => $"{p.Key}={p.Value}"))}] {r.Exception}")
        .ToList();

    [Fact]
    public async Task No_credential_appears_in_the_standalone_hosts_log()
    {
        var key = "secret-log-test:" + Guid.NewGuid().ToString("N")[..8];
        // Bearer and ?_token=, full and read-only.
        Assert.Equal(200, (await store.SendAsync(["SET", key, "v"])).Status);
        Assert.Equal(200, (await store.SendAsync(["GET", key], StoreHost.ReadOnlyToken)).Status);
        foreach (var token in new[] { StoreHost.FullToken, StoreHost.ReadOnlyToken })
        {
            using var get = await store.Http.GetAsync($"{store.BaseUrl}/get/{key}?_token={token}");
            Assert.Equal(200, (int)get.StatusCode);
        }
        using (var wrong = await store.Http.GetAsync($"{store.BaseUrl}/get/{key}?_token={StoreHost.FullToken}x"))
            Assert.Equal(401, (int)wrong.StatusCode);

        // A subscribe token: issued, then used to negotiate and connect, whose access token goes in the WebSocket URL.
        var (status, body) = await store.PostAsync("/subscribe-token", """{"patterns":["logs.*"],"ttlSeconds":600}""");
        Assert.True(status == 200, body);
        var subscribeToken = JsonDocument.Parse(body).RootElement.GetProperty("result").GetProperty("token").GetString()!;
        using var negotiate = new HttpRequestMessage(HttpMethod.Post, store.BaseUrl + "/negotiate");
        negotiate.Headers.Authorization = new AuthenticationHeaderValue("Bearer", subscribeToken);
        using var negotiated = await store.Http.SendAsync(negotiate);
        var negotiation = JsonDocument.Parse(await negotiated.Content.ReadAsStringAsync()).RootElement;
        var accessToken = negotiation.GetProperty("accessToken").GetString()!;
        // Browsers send it in the hub's URL (WebSockets cannot carry headers there); the .NET client below uses a header.
        using (await store.Http.PostAsync($"{negotiation.GetProperty("url").GetString()}/negotiate?negotiateVersion=1&access_token={accessToken}", null)) { }
        var connection = new HubConnectionBuilder()
            .WithUrl(store.BaseUrl, o => o.AccessTokenProvider = () => Task.FromResult<string?>(subscribeToken))
            .Build();
        await connection.StartAsync();
        (status, body) = await store.PostAsync("/subscribe", JsonSerializer.Serialize(new { connectionId = connection.ConnectionId, channels = new[] { "logs.a" } }), subscribeToken);
        Assert.True(status == 200, body);
        await connection.DisposeAsync();
        await Task.Delay(500); // the disconnect's lines

        var log = store.Log();
        Assert.Contains(log, l => l.Contains("Request starting")); // DetailedLogs turned the request lines back on
        Assert.Contains(log, l => l.Contains("access_token=***")); // the WebSocket URL was logged, masked
        var accountKey = store.StorageConnection.Split(';').Single(p => p.StartsWith("AccountKey=", StringComparison.Ordinal))["AccountKey=".Length..];
        var secrets = new Dictionary<string, string>
        {
            ["full token"] = StoreHost.FullToken,
            ["read-only token"] = StoreHost.ReadOnlyToken,
            ["subscribe token"] = subscribeToken,
            ["subscribe token's signature"] = subscribeToken.Split('.')[2],
            ["negotiate access token"] = accessToken,
            ["negotiate access token's signature"] = accessToken.Split('.')[2],
            ["storage account key"] = accountKey,
        };
        var leaks = secrets.SelectMany(s => log.Where(l => l.Contains(s.Value)).Select(l => $"{s.Key}: {l}")).ToList();
        Assert.True(leaks.Count == 0, $"{leaks.Count} log lines hold a secret:\n{string.Join('\n', leaks.Take(20))}");
    }

    [Fact]
    public async Task The_azure_signalr_access_key_and_its_tokens_stay_out_of_the_transports_log()
    {
        const string accessKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789secretkey";
        var connectionString = $"Endpoint=http://127.0.0.1;Port={Infrastructure.Ports.Free()};AccessKey={accessKey};Version=1.0;";
        var capture = new FakeLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace));
        var logger = loggers.CreateLogger("pubsub");
        var settings = new Dictionary<string, string?> { [SignalRConnectionString.Setting] = connectionString, [Serverless.Store.Api.AccessPolicy.TokenSetting] = StoreHost.FullToken };
        var hub = PubSubHub.FromSettings(name => settings.GetValueOrDefault(name), null, new HttpClient(), logger)!;
        // Nothing listens there: every try fails, is logged and retried, then the failure is thrown.
        var failed = await Assert.ThrowsAsync<PubSubTransportException>(() => hub.Transport.SendToGroupAsync("g", PubSubMessage.Message("c", "d"), default));
        var negotiated = hub.Transport.Negotiate("user", new Uri("http://unused"));

        var text = string.Join('\n', Lines(capture)) + failed;
        Assert.Contains("Azure SignalR", text);
        Assert.DoesNotContain(accessKey, text);
        Assert.DoesNotContain(negotiated.AccessToken.Split('.')[2], text);
        Assert.DoesNotContain(StoreHost.FullToken, text);
    }
}
