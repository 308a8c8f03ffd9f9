using Serverless.Store.Client.Tests.Infrastructure;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Client.Tests.Store;

/// <summary>
/// Scripts against the standalone store: EVALSHA then EVAL, SCRIPT LOAD, scripts in pipelines and
/// transactions, and script errors (the EVALSHA-then-EVAL logic alone: Unit/ScriptingTests).
/// </summary>
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class ScriptingStoreTests(StoreHost host) : StoreTest(host)
{
    const string IncrBy = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

    [Fact]
    public async Task EvalAsync_runs_a_script_the_store_has_not_seen_then_runs_it_again_by_its_sha()
    {
        var key = new TestKeys()["n"];
        var script = IncrBy + " -- " + Guid.NewGuid(); // a script this store has never seen
        Assert.Equal(5, (await Client.EvalAsync(script, [key], [5])).AsInt64());  // EVALSHA -> NOSCRIPT -> EVAL
        Assert.Equal(8, (await Client.EvalShaAsync(StoreCommands.ScriptSha1(script), [key], [3])).AsInt64());
        Assert.Equal(10, (await Client.EvalAsync(script, [key], [2])).AsInt64()); // EVALSHA finds it
    }

    [Fact]
    public async Task ScriptLoadAsync_answers_the_sha_the_client_computes()
    {
        var script = IncrBy + " -- " + Guid.NewGuid();
        Assert.Equal(StoreCommands.ScriptSha1(script), await Client.ScriptLoadAsync(script));
        var missing = await Assert.ThrowsAsync<StoreException>(() => Client.EvalShaAsync(StoreCommands.ScriptSha1("return 'never loaded " + Guid.NewGuid() + "'")));
        Assert.Equal("NOSCRIPT", missing.Prefix);
    }

    [Fact]
    public async Task Scripts_run_in_pipelines_and_transactions_with_EVAL()
    {
        var key = new TestKeys()["n"];
        var pipeline = Client.CreatePipeline();
        var first = pipeline.EvalAsync(IncrBy, [key], [1]);
        var tx = Client.CreateTransaction();
        var second = tx.EvalAsync(IncrBy, [key], [2]);
        await pipeline.ExecuteAsync();
        await tx.ExecuteAsync();
        Assert.Equal(1, (await first).AsInt64());
        Assert.Equal(3, (await second).AsInt64());
    }

    [Fact]
    public async Task A_script_error_is_a_StoreException_with_Redis_text()
    {
        var key = new TestKeys()["list"];
        await Client.RPushAsync(key, "x");
        var error = await Assert.ThrowsAsync<StoreException>(() => Client.EvalAsync("return redis.call('GET', KEYS[1])", [key]));
        Assert.Contains("WRONGTYPE", error.Message);
    }
}
