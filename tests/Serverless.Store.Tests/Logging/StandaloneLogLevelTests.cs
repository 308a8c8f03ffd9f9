using Serverless.Store.Tests.Http;

namespace Serverless.Store.Tests.Logging;

/// <summary>
/// The standalone host with its default log settings (the shared host sets none) writes no line per
/// request or per Durable Task message, as host.json keeps Functions quiet; DetailedLogs=true turns
/// them back on (<see cref="SecretsInLogsTests"/> runs a host with it and finds them).
/// </summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)]
public sealed class StandaloneLogLevelTests(StoreHost store)
{
    [Fact]
    public async Task By_default_commands_write_no_per_request_or_per_message_lines()
    {
        var key = "quiet:" + Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < 10; i++)
        {
            await store.ResultAsync("INCR", key);
            await store.ResultAsync("GET", key);
        }
        await store.ResultAsync("MSET", key + ":a", "1", key + ":b", "2"); // an orchestration too

        var chatty = store.Log().Where(l => l.StartsWith("[host] info: Microsoft.AspNetCore", StringComparison.Ordinal)
            || l.StartsWith("[host] info: DurableTask", StringComparison.Ordinal) || l.StartsWith("[host] info: Azure", StringComparison.Ordinal)
            || l.StartsWith("[host] dbug:", StringComparison.Ordinal) || l.StartsWith("[host] trce:", StringComparison.Ordinal)).ToList();
        Assert.True(chatty.Count == 0, $"{chatty.Count} per-request or per-message lines, e.g.:\n{string.Join('\n', chatty.Take(10))}");
        Assert.Contains(store.Log(), l => l.StartsWith("[host] info: Microsoft.Hosting.Lifetime", StringComparison.Ordinal)); // the host's own start lines stay
    }
}
