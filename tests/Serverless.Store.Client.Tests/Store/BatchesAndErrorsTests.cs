using System.Text;
using Serverless.Store.Client.Tests.Infrastructure;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Client.Tests.Store;

/// <summary>Pipelines, transactions, automatic batching, binary values and errors against the standalone store.</summary>
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class BatchesAndErrorsTests(StoreHost host) : StoreTest(host)
{

    [Fact]
    public async Task A_pipeline_answers_each_command_in_order_and_one_error_fails_only_its_command()
    {
        var k = new TestKeys();
        await Client.SetAsync(k["text"], "not a number");
        var pipeline = Client.CreatePipeline();
        var set = pipeline.SetAsync(k["a"], "1");
        var incr = pipeline.IncrAsync(k["a"]);
        var wrong = pipeline.IncrAsync(k["text"]);
        var get = pipeline.GetAsync(k["a"]);
        var push = pipeline.RPushAsync(k["l"], ["x", "y"]);
        Assert.Equal(5, pipeline.Count);
        var results = await pipeline.ExecuteAsync();

        Assert.True(await set);
        Assert.Equal(2, await incr);
        Assert.Equal("ERR value is not an integer or out of range", (await Assert.ThrowsAsync<StoreException>(() => wrong)).Message);
        Assert.Equal("2", await get);
        Assert.Equal(2, await push);
        Assert.Equal(["OK", "2", "(error) ERR value is not an integer or out of range", "2", "2"], results.Select(r => r.ToString()));
    }

    [Fact]
    public async Task A_transaction_is_atomic_and_an_unqueueable_command_aborts_it_all()
    {
        var k = new TestKeys();
        await Client.SetAsync(k["from"], 100);
        var tx = Client.CreateTransaction();
        var from = tx.DecrByAsync(k["from"], 30);
        var to = tx.IncrByAsync(k["to"], 30);
        var read = tx.GetAsync(k["from"]);
        await tx.ExecuteAsync();
        Assert.Equal(70, await from);
        Assert.Equal(30, await to);
        Assert.Equal("70", await read);

        var aborted = Client.CreateTransaction();
        var lost = aborted.IncrByAsync(k["from"], 1000);
        _ = aborted.ExecuteAsync("GET"); // wrong arity: cannot be queued
        var error = await Assert.ThrowsAsync<StoreException>(() => aborted.ExecuteAsync());
        Assert.Equal("EXECABORT", error.Prefix);
        await Assert.ThrowsAsync<StoreException>(() => lost);
        Assert.Equal("70", await Client.GetAsync(k["from"])); // nothing of it ran
    }

    [Fact]
    public async Task Automatic_batching_gives_every_concurrent_caller_its_own_answer()
    {
        var k = new TestKeys();
        using var batching = StoreClients.Full(Host, o => o.AutoBatch = true);
        // 40 concurrent INCRs on 4 keys plus reads: whatever batches they share, every increment counts once.
        var increments = Enumerable.Range(0, 40).Select(i => batching.IncrAsync(k[$"n{i % 4}"])).ToArray();
        var answers = await Task.WhenAll(increments);
        Assert.Equal(Enumerable.Range(1, 10).SelectMany(v => Enumerable.Repeat((long)v, 4)).Order(), answers.Order());
        Assert.Equal(new string?[] { "10", "10", "10", "10" }, await Task.WhenAll(Enumerable.Range(0, 4).Select(i => batching.GetAsync(k[$"n{i}"]))));
    }

    [Fact]
    public async Task Binary_values_round_trip_exactly_as_single_commands()
    {
        var k = new TestKeys();
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(new byte[] { 0xff, 0xfe, 0x00, (byte)'"', (byte)'\\' }).ToArray();
        Assert.True(await Client.SetAsync(k["bin"], bytes));
        Assert.Equal(bytes, await Client.GetBytesAsync(k["bin"]));
        await Client.HSetAsync(k["h"], "field", bytes);
        Assert.Equal(bytes, await Client.HGetBytesAsync(k["h"], "field"));

        // A key that is not UTF-8 and holds "/" and "..", through ExecuteAsync.
        var odd = Encoding.UTF8.GetBytes(k["odd/../"]).Append((byte)0xc3).ToArray();
        Assert.True((await Client.ExecuteAsync("SET", odd, "v")).IsOk);
        Assert.Equal("v", (await Client.ExecuteAsync("GET", odd)).AsString());

        // Text with every kind of character travels as JSON unchanged.
        const string text = "héllo \"wörld\" \\ / \u0001 \U0001F600 +inf";
        await Client.SetAsync(k["text"], text);
        Assert.Equal(text, await Client.GetAsync(k["text"]));
        Assert.Equal(Encoding.UTF8.GetBytes(text), await Client.GetBytesAsync(k["text"]));
    }

    [Fact]
    public async Task Errors_carry_Redis_text_and_the_status()
    {
        var k = new TestKeys();
        await Client.RPushAsync(k["list"], "x");
        var wrongType = await Assert.ThrowsAsync<StoreException>(() => Client.GetAsync(k["list"]));
        Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", wrongType.Message);
        Assert.Equal(400, wrongType.StatusCode);

        var unknown = await Assert.ThrowsAsync<StoreException>(() => Client.ExecuteAsync("NOSUCHCOMMAND", "x"));
        Assert.StartsWith("ERR unknown command 'NOSUCHCOMMAND'", unknown.Message);

        using var readOnly = new StoreClient(Host.BaseUrl, StoreHost.ReadOnlyToken);
        Assert.Equal(1, await readOnly.LLenAsync(k["list"]));
        var refused = await Assert.ThrowsAsync<StoreException>(() => readOnly.SetAsync(k["x"], "v"));
        Assert.Equal(403, refused.StatusCode);
        Assert.Equal("NOPERM", refused.Prefix);

        using var wrongToken = new StoreClient(Host.BaseUrl, "not-the-token");
        var unauthorized = await Assert.ThrowsAsync<StoreException>(() => wrongToken.GetAsync(k["x"]));
        Assert.Equal(401, unauthorized.StatusCode);
        Assert.Contains("unauthorized", unauthorized.Message);
    }
}
