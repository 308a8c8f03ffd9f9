using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Moq;
using Serverless.Store.Api;
using Serverless.Store.Durable;
using Serverless.Store.Http;

namespace Serverless.Store.Functions.Tests;

/// <summary>
/// The Functions adapter with a captured ILogger, made as the app makes its loggers (Program.cs:
/// every provider wrapped by AddLogRedaction): requests with the token as Bearer and as ?_token=, and
/// a storage failure whose exception quotes a connection string and a signed URL, which the router
/// logs. No secret may be in what the logger was given to write.
/// </summary>
public class LogRedactionTests
{
    const string Token = "functions-full-token-secret", AccountKey = "c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXN0cw==";

    [Fact]
    public async Task The_adapters_log_holds_no_token_key_or_signature()
    {
        var capture = new FakeLoggerProvider();
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(capture).SetMinimumLevel(LogLevel.Trace));
        services.AddLogRedaction();
        await using var provider = services.BuildServiceProvider();
        var functions = new RestFunctions(new AccessPolicy(Token, null), provider.GetRequiredService<ILogger<RestFunctions>>());

        var (client, entities) = TriggerTests.Client();
        entities.Setup(e => e.GetEntityAsync<KeyRecord>(It.IsAny<EntityInstanceId>(), true, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException(
                $"storage refused DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={AccountKey}; at https://acct.table.core.windows.net/x?sig=sig-secret&_token={Token}"));

        // The token in the query, then as a Bearer header, both as the host's proxy forwards them.
        foreach (var request in new[] { TriggerTests.Request("GET", $"/api/get/k?_token={Token}", token: null), TriggerTests.Request("GET", "/api/get/k", token: Token) })
        {
            var result = Assert.IsType<RestResult>(await functions.Rest(request, client.Object));
            Assert.Equal(500, result.Response.Status); // the storage failure, logged by the router
        }

        var records = capture.Collector.GetSnapshot();
        Assert.Equal(2, records.Count(r => r.Level == LogLevel.Error));
        var written = string.Join('\n', records.Select(r => $"{r.Message} {string.Join(",", (r.StructuredState ?? []).Select(p => p.Value))} {r.Exception}"));
        Assert.Contains("storage refused", written);
        foreach (var secret in new[] { Token, AccountKey, "sig-secret" }) Assert.DoesNotContain(secret, written);
    }
}
