using System.Text;
using Serverless.Store.Protocol;
using Serverless.Store.Standalone;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// Two store processes on one task hub (two engines of their own, on a hub of their own) share one
/// script catalog: what one loads or EVALs, the other runs by sha or name at once, and a script's
/// writes through one are what the other reads.
/// </summary>
[Trait("Needs", "azurite")]
[Collection(DurableCollection.Name)]
public sealed class ScriptsAcrossProcessesTests(DurableFixture fixture) : IAsyncLifetime
{
    DurableEngine first = null!, second = null!;

    public async Task InitializeAsync()
    {
        first = await fixture.StartEngineAsync("twoa");
        var hub = first.TaskHub;
        second = await fixture.StartEngineAsync("twob", o => o.TaskHub = hub);
    }

    public async Task DisposeAsync()
    {
        await second.DisposeAsync();
        await first.DisposeAsync();
    }

    static byte[][] Args(params string[] words) => words.Select(Encoding.UTF8.GetBytes).ToArray();

    [Fact]
    public async Task What_one_process_loads_the_other_runs_at_once()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var script = $"return redis.call('INCRBY', KEYS[1], ARGV[1]) -- {run}";
        var sha = Serverless.Store.Scripting.ScriptCatalog.Sha1Hex(Encoding.UTF8.GetBytes(script));
        // The second process reads the catalog before anything is in it: its copy is empty.
        Assert.Equal(Reply.Error("NOSCRIPT No matching script. Please use EVAL."), await second.Store.ExecuteAsync(Args("EVALSHA", sha, "1", "n")));

        Assert.Equal(Reply.Integer(2), await first.Store.ExecuteAsync(Args("EVAL", script, "1", "n", "2")));
        Assert.Equal(Reply.Integer(5), await second.Store.ExecuteAsync(Args("EVALSHA", sha, "1", "n", "3")));
        Assert.Equal(Reply.Array([Reply.Integer(1)]), await second.Store.ExecuteAsync(Args("SCRIPT", "EXISTS", sha)));

        var library = $"#!lua name=lib{run}\nredis.register_function('get{run}', function(keys) return redis.call('GET', keys[1]) end)";
        Assert.Equal(Reply.Bulk($"lib{run}"), await second.Store.ExecuteAsync(Args("FUNCTION", "LOAD", library)));
        Assert.Equal(Reply.Bulk("5"), await first.Store.ExecuteAsync(Args("FCALL", $"get{run}", "1", "n")));
        Assert.Equal(Reply.Ok, await first.Store.ExecuteAsync(Args("FUNCTION", "DELETE", $"lib{run}")));
        Assert.Equal(Reply.Array([]), await second.Store.ExecuteAsync(Args("FUNCTION", "LIST", "LIBRARYNAME", $"lib{run}")));
    }
}
