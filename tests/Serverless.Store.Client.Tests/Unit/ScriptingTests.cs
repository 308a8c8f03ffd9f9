using System.Net;
using System.Security.Cryptography;
using System.Text;
using Serverless.Store.Client.Tests.Infrastructure;

namespace Serverless.Store.Client.Tests.Unit;

/// <summary>EvalAsync's EVALSHA-then-EVAL fallback, against an endpoint that plays a store with or without the script.</summary>
public sealed class ScriptingTests
{
    const string Script = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
    static readonly string Sha = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(Script)));

    readonly FakeHandler store = new();

    [Fact]
    public async Task EvalAsync_sends_EVALSHA_first_and_no_script_text_when_the_store_has_it()
    {
        store.Answer = _ => (HttpStatusCode.OK, """{"result":7}""");
        using var client = store.Client();
        Assert.Equal(7, (await client.EvalAsync(Script, ["counter"], [5])).AsInt64());
        Assert.Equal([["EVALSHA", Sha, "1", "counter", "5"]], store.Requests.Single().Commands());
        Assert.Equal(Sha, StoreCommands.ScriptSha1(Script));
    }

    [Fact]
    public async Task EvalAsync_falls_back_to_EVAL_with_the_same_keys_and_arguments_on_NOSCRIPT()
    {
        store.Answer = r => r.Commands()[0][0] == "EVALSHA"
            ? (HttpStatusCode.BadRequest, """{"error":"NOSCRIPT No matching script. Please use EVAL."}""")
            : (HttpStatusCode.OK, """{"result":5}""");
        using var client = store.Client();
        Assert.Equal(5, (await client.EvalAsync(Script, ["counter"], [5])).AsInt64());
        Assert.Equal([["EVALSHA", Sha, "1", "counter", "5"], ["EVAL", Script, "1", "counter", "5"]],
            store.Requests.Select(r => r.Commands()[0]).ToArray());
    }

    [Fact]
    public async Task EvalAsync_does_not_retry_with_EVAL_on_other_errors()
    {
        store.Answer = _ => (HttpStatusCode.BadRequest, """{"error":"ERR Error running script (call to f_x): @user_script:1: WRONGTYPE Operation against a key holding the wrong kind of value"}""");
        using var client = store.Client();
        var error = await Assert.ThrowsAsync<StoreException>(() => client.EvalAsync(Script, ["counter"], [5]));
        Assert.StartsWith("ERR Error running script", error.Message);
        Assert.Single(store.Requests);
    }

    [Fact]
    public async Task In_a_pipeline_a_script_goes_with_EVAL_since_there_is_no_second_round_trip()
    {
        store.Answer = _ => (HttpStatusCode.OK, """[{"result":1}]""");
        using var client = store.Client();
        var pipeline = client.CreatePipeline();
        var result = pipeline.EvalAsync(Script, ["k"], [1]);
        await pipeline.ExecuteAsync();
        Assert.Equal(1, (await result).AsInt64());
        Assert.Equal([["EVAL", Script, "1", "k", "1"]], store.Requests.Single().Commands());
    }

    [Fact]
    public async Task EvalShaAsync_and_ScriptLoadAsync_send_their_commands()
    {
        store.Answer = r => r.Commands()[0][0] == "SCRIPT" ? (HttpStatusCode.OK, FakeHandler.StringResult(Sha)) : (HttpStatusCode.OK, """{"result":null}""");
        using var client = store.Client();
        Assert.Equal(Sha, await client.ScriptLoadAsync(Script));
        Assert.True((await client.EvalShaAsync(Sha)).IsNull);
        Assert.Equal([["SCRIPT", "LOAD", Script], ["EVALSHA", Sha, "0"]], store.Requests.Select(r => r.Commands()[0]).ToArray());
    }
}
