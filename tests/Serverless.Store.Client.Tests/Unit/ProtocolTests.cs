using System.Net;
using System.Text;
using Serverless.Store.Client.Tests.Infrastructure;

namespace Serverless.Store.Client.Tests.Unit;

/// <summary>The REST protocol both ways, against an in-memory endpoint: what the client sends and how it reads answers.</summary>
public sealed class ProtocolTests
{
    readonly FakeHandler store = new();

    [Fact]
    public async Task A_command_is_a_json_array_posted_to_the_base_with_the_token_and_base64_replies_asked_for()
    {
        store.Answer = r => (HttpStatusCode.OK, r.Commands()[0][0] == "SET" ? """{"result":"OK"}""" : """{"result":0}""");
        using var client = store.Client();
        Assert.True(await client.SetAsync("k", 1.5, TimeSpan.FromSeconds(2), SetCondition.NotExists));
        await client.ZCountAsync("z", double.NegativeInfinity, double.PositiveInfinity);

        var sent = store.Requests.ToArray();
        Assert.Equal("POST", sent[0].Method);
        Assert.Equal("/api", sent[0].PathAndQuery);
        Assert.Equal("Bearer unit-token", sent[0].Headers["Authorization"]);
        Assert.Equal("base64", sent[0].Headers["Upstash-Encoding"]);
        Assert.Equal("application/json", sent[0].ContentType);
        Assert.Equal("""["SET","k","1.5","PX","2000","NX"]""", sent[0].BodyText);
        Assert.Equal("""["ZCOUNT","z","-inf","+inf"]""", sent[1].BodyText);
    }

    [Fact]
    public async Task Replies_are_decoded_from_base64_except_the_status_OK()
    {
        store.Answer = r => r.Commands()[0][0] switch
        {
            "GET" => (HttpStatusCode.OK, FakeHandler.StringResult("OK")), // a value "OK" arrives encoded; only the status is plain
            "HGETALL" => (HttpStatusCode.OK, $$"""{"result":["{{FakeHandler.B64("a")}}","{{FakeHandler.B64("1")}}","{{FakeHandler.B64("b")}}","{{FakeHandler.B64("2")}}"]}"""),
            "ZSCORE" => (HttpStatusCode.OK, """{"result":null}"""),
            "INCR" => (HttpStatusCode.OK, """{"result":42}"""),
            _ => (HttpStatusCode.OK, """{"result":"OK"}"""),
        };
        using var client = store.Client();
        Assert.Equal("OK", await client.GetAsync("k"));
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, await client.HGetAllAsync("h"));
        Assert.Null(await client.ZScoreAsync("z", "m"));
        Assert.Equal(42, await client.IncrAsync("n"));
        Assert.True((await client.ExecuteAsync("LTRIM", "l", 0, 1)).IsOk);
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_go_in_the_path_form_with_the_last_argument_as_the_body()
    {
        byte[] value = [0xff, 0x00, 0x22, 0x5c, 0x80];
        using var client = store.Client();
        await client.SetAsync("a/b ..", value);

        var sent = Assert.Single(store.Requests);
        // Every byte outside the unreserved set percent-encoded, dots too, so no segment is "." or "..".
        Assert.Equal("/api/SET/a%2Fb%20%2E%2E", sent.PathAndQuery);
        Assert.Equal(value, sent.Body);
        Assert.Equal("application/octet-stream", sent.ContentType);
    }

    [Fact]
    public async Task A_pipeline_refuses_bytes_json_cannot_carry_and_says_what_to_do()
    {
        using var client = store.Client();
        var pipeline = client.CreatePipeline();
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => pipeline.SetAsync("k", new byte[] { 0xff }));
        Assert.Contains("send the command on its own", refused.Message);
        await pipeline.ExecuteAsync();
        Assert.Empty(store.Requests);
    }

    [Fact]
    public async Task An_error_reply_is_a_StoreException_with_Redis_text_status_and_prefix()
    {
        store.Answer = _ => (HttpStatusCode.BadRequest, """{"error":"WRONGTYPE Operation against a key holding the wrong kind of value"}""");
        using var client = store.Client();
        var error = await Assert.ThrowsAsync<StoreException>(() => client.LPushAsync("k", "v"));
        Assert.Equal("WRONGTYPE Operation against a key holding the wrong kind of value", error.Message);
        Assert.Equal(400, error.StatusCode);
        Assert.Equal("WRONGTYPE", error.Prefix);
    }

    [Fact]
    public async Task An_answer_that_is_not_the_protocol_says_to_check_the_url()
    {
        store.Answer = _ => (HttpStatusCode.NotFound, "<html>not here</html>");
        using var client = store.Client();
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("k"));
        Assert.Contains("check that Url is the store's REST base", error.Message);
        Assert.Contains("HTTP 404", error.Message);
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Pipeline_results_keep_their_order_and_an_error_fails_only_its_command()
    {
        store.Answer = _ => (HttpStatusCode.OK, $$"""[{"result":1},{"error":"ERR value is not an integer or out of range"},{"result":"{{FakeHandler.B64("x")}}"}]""");
        using var client = store.Client();
        var pipeline = client.CreatePipeline();
        var first = pipeline.IncrAsync("a");
        var second = pipeline.IncrAsync("b");
        var third = pipeline.GetAsync("c");
        var results = await pipeline.ExecuteAsync();

        Assert.Equal("/api/pipeline", store.Requests.Single().PathAndQuery);
        Assert.Equal([["INCR", "a"], ["INCR", "b"], ["GET", "c"]], store.Requests.Single().Commands());
        Assert.Equal(1, await first);
        Assert.Equal("ERR value is not an integer or out of range", (await Assert.ThrowsAsync<StoreException>(() => second)).Message);
        Assert.Equal("x", await third);
        Assert.Equal(StoreResultKind.Error, results[1].Kind);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.ExecuteAsync());
    }

    [Fact]
    public async Task A_transaction_the_store_aborts_fails_every_command()
    {
        store.Answer = _ => (HttpStatusCode.BadRequest, """{"error":"EXECABORT Transaction discarded because of previous errors."}""");
        using var client = store.Client();
        var tx = client.CreateTransaction();
        var a = tx.IncrAsync("a");
        var b = tx.ExecuteAsync("NOSUCHCOMMAND");
        var error = await Assert.ThrowsAsync<StoreException>(() => tx.ExecuteAsync());
        Assert.Equal("EXECABORT", error.Prefix);
        Assert.Equal("/api/multi-exec", store.Requests.Single().PathAndQuery);
        Assert.Same(error, await Assert.ThrowsAsync<StoreException>(() => a));
        Assert.Same(error, await Assert.ThrowsAsync<StoreException>(() => b));
    }

    [Fact]
    public async Task A_command_cancelled_before_the_batch_is_sent_is_left_out()
    {
        store.Answer = _ => (HttpStatusCode.OK, """[{"result":1}]""");
        using var client = store.Client();
        var pipeline = client.CreatePipeline();
        using var cancel = new CancellationTokenSource();
        var dropped = pipeline.IncrAsync("dropped", cancel.Token);
        var kept = pipeline.IncrAsync("kept");
        cancel.Cancel();
        await pipeline.ExecuteAsync();

        Assert.Equal([["INCR", "kept"]], store.Requests.Single().Commands());
        Assert.Equal(1, await kept);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dropped);
    }

    [Fact]
    public async Task Nested_errors_and_nil_in_exec_results_and_stream_replies_convert()
    {
        var entry = $$"""["{{FakeHandler.B64("1-1")}}",["{{FakeHandler.B64("f")}}","{{FakeHandler.B64("v")}}"]]""";
        store.Answer = _ => (HttpStatusCode.OK, $$"""{"result":[["{{FakeHandler.B64("s")}}",[{{entry}}]]]}""");
        using var client = store.Client();
        var read = Assert.Single(await client.XReadAsync([new("s", "0")]));
        Assert.Equal("s", read.Stream);
        Assert.Equal("1-1", read.Entries[0].Id);
        Assert.Equal("v", read.Entries[0]["f"]);

        store.Answer = _ => (HttpStatusCode.OK, """{"result":null}""");
        Assert.Empty(await client.XReadAsync([new("s", "$")], block: TimeSpan.FromMilliseconds(10)));
        Assert.Equal("""["XREAD","BLOCK","10","STREAMS","s","$"]""", store.Requests.Last().BodyText);
    }

    [Fact]
    public void StoreResult_reads_every_shape_and_says_what_it_holds_when_asked_for_another()
    {
        var array = StoreResult.FromArray([StoreResult.FromString("a"), StoreResult.Null, StoreResult.FromInteger(3), StoreResult.FromError("ERR x")]);
        Assert.Equal("[a, (nil), 3, (error) ERR x]", array.ToString());
        Assert.Equal(["a", null, "3", null], array.AsArray().Take(3).Select(r => r.AsString()).Append(null));
        Assert.Equal(double.PositiveInfinity, StoreResult.FromString("inf").AsDouble());
        Assert.Equal(-1.5, StoreResult.FromString("-1.5").AsDouble());
        Assert.Equal(12, StoreResult.FromString("12").AsInt64());
        Assert.Contains("a string (1 bytes), not an integer", Assert.Throws<InvalidCastException>(() => StoreResult.FromString("a").AsInt64()).Message);
        Assert.Equal("ERR x", Assert.Throws<StoreException>(() => array.AsArray()[3].AsString()).Message);
        Assert.Equal(Encoding.UTF8.GetBytes("OK"), StoreResult.Ok.AsBytes());
    }
}
