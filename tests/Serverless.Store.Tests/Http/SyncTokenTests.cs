using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// Read-your-writes tokens across two instances of one store (tests/upstash-sync/sync.test.mjs): the
/// unchanged @upstash/redis alternates between them and carries upstash-sync-token.
/// </summary>
[Trait("Needs", "store")]
[Trait("Needs", "node")]
public sealed class SyncTokenTests(TwoInstanceStoreHost store, ITestOutputHelper output) : IClassFixture<TwoInstanceStoreHost>
{
    [Fact]
    public async Task Upstash_clients_sync_token_makes_a_catalog_change_on_one_instance_visible_on_the_other()
    {
        await store.AssertNodeTestsPassAsync("upstash-sync", Path.Combine("@upstash", "redis"), TimeSpan.FromMinutes(3), output, passes: 1);
    }
}
