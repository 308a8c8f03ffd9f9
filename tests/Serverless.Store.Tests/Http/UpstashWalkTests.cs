using Serverless.Store.Tests.Oracle;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// Every command method of the unchanged @upstash/redis, called through the client against the store
/// and against redis-server 7.0 (behind a REST-to-RESP bridge written in the node test), results
/// compared; the walk's classification (compared, expected failures, out of scope) is in
/// tests/upstash-walk/walk.test.mjs and docs/clients.md.
/// </summary>
[Trait("Needs", "store")]
[Trait("Needs", "node")]
[Trait("Needs", "redis-server")]
[Collection(StoreHostCollection.Name)]
public sealed class UpstashWalkTests(StoreHost store, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_upstash_client_method_answers_as_redis_server_or_is_classified()
    {
        // A redis-server of this test's own: the walk writes to it freely.
        using var redis = new RedisServer();
        await store.AssertNodeTestsPassAsync("upstash-walk", Path.Combine("@upstash", "redis"), TimeSpan.FromMinutes(8), output,
            environment: new Dictionary<string, string> { ["REDIS_PORT"] = redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }
}
