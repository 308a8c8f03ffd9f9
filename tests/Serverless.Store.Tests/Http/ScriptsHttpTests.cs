using System.Text.Json;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// Scripts on the durable store over REST: their writes are stored, EVALSHA finds what EVAL and
/// SCRIPT LOAD cached, scripts that compute key names or list keys get them, scripts over keys of
/// several entities are atomic, read-only tokens run scripts read-only, FUNCTION/FCALL, and scripts
/// in pipelines and transactions. Each test owns its keys (a per-run prefix).
/// </summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)]
public sealed class ScriptsHttpTests(StoreHost store)
{
    readonly string run = Guid.NewGuid().ToString("N")[..8];

    string K(string name) => $"sc:{run}:{name}";

    async Task<string> Raw(params string[] command)
    {
        var (status, body) = await store.SendAsync(command);
        return $"{status} {body}";
    }

    [Fact]
    public async Task A_scripts_writes_are_stored_and_its_reply_is_redis()
    {
        Assert.Equal("""200 {"result":[1,"v"]}""", await Raw("EVAL", "redis.call('SET', KEYS[1], ARGV[1]) return {redis.call('EXISTS', KEYS[1]), redis.call('GET', KEYS[1])}", "1", K("a"), "v"));
        Assert.Equal("v", (await store.ResultAsync("GET", K("a"))).GetString());
        // A script error answers Redis's text, with the status of an error.
        var (status, body) = await store.SendAsync(["EVAL", "return redis.call('INCR', KEYS[1])", "1", K("a")]);
        Assert.Equal(400, status);
        Assert.Contains("ERR value is not an integer or out of range", body);
        Assert.Equal("v", (await store.ResultAsync("GET", K("a"))).GetString());
    }

    [Fact]
    public async Task Evalsha_finds_what_eval_and_script_load_cached()
    {
        var body = $"return 'cached {run}'";
        var sha = Serverless.Store.Scripting.ScriptCatalog.Sha1Hex(System.Text.Encoding.UTF8.GetBytes(body));
        Assert.Equal("""400 {"error":"NOSCRIPT No matching script. Please use EVAL."}""", await Raw("EVALSHA", sha, "0"));
        Assert.Equal($$"""200 {"result":[0]}""", await Raw("SCRIPT", "EXISTS", sha));
        Assert.Equal($$"""200 {"result":"cached {{run}}"}""", await Raw("EVAL", body, "0"));
        Assert.Equal($$"""200 {"result":[1]}""", await Raw("SCRIPT", "EXISTS", sha));
        Assert.Equal($$"""200 {"result":"cached {{run}}"}""", await Raw("EVALSHA", sha.ToUpperInvariant(), "0"));

        var loaded = $"return ARGV[1] .. '{run}'";
        var loadedSha = (await store.ResultAsync("SCRIPT", "LOAD", loaded)).GetString()!;
        Assert.Equal(Serverless.Store.Scripting.ScriptCatalog.Sha1Hex(System.Text.Encoding.UTF8.GetBytes(loaded)), loadedSha);
        Assert.Equal($$"""200 {"result":"x{{run}}"}""", await Raw("EVALSHA", loadedSha, "0", "x"));
        Assert.StartsWith("400 {\"error\":\"ERR Error compiling script", await Raw("SCRIPT", "LOAD", "nope nope"));
    }

    [Fact]
    public async Task A_script_that_computes_its_key_names_gets_those_keys()
    {
        await store.ResultAsync("SET", K("pointer"), K("target"));
        await store.ResultAsync("SET", K("target"), "41");
        // The script names one key and reads a key whose name it reads from it; then writes a third it names nowhere.
        const string script = "local t = redis.call('GET', KEYS[1]) local n = redis.call('INCR', t) redis.call('SET', t .. ':copy', n) return n";
        Assert.Equal("""200 {"result":42}""", await Raw("EVAL", script, "1", K("pointer")));
        Assert.Equal("42", (await store.ResultAsync("GET", K("target"))).GetString());
        Assert.Equal("42", (await store.ResultAsync("GET", K("target") + ":copy")).GetString());
        // No key named at all.
        Assert.Equal("""200 {"result":"OK"}""", await Raw("EVAL", $"return redis.call('SET', '{K("free")}', 'x')", "0"));
        Assert.Equal("x", (await store.ResultAsync("GET", K("free"))).GetString());
    }

    [Fact]
    public async Task Keys_and_scan_inside_a_script_list_the_stored_keys()
    {
        for (var i = 0; i < 5; i++) await store.ResultAsync("SET", K($"list:{i}"), $"{i}");
        await store.ResultAsync("SET", $"{{{run}}}:list:tagged", "t"); // a key in a hash tag's entity does not match the pattern
        var keys = await store.ResultAsync("EVAL", "local ks = redis.call('KEYS', ARGV[1]) table.sort(ks) return ks", "0", K("list:*"));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => K($"list:{i}")), keys.EnumerateArray().Select(e => e.GetString()!));
        // Delete what SCAN MATCH finds, as @upstash/ratelimit's resetUsedTokens does.
        const string reset = """
            local cursor = '0' local n = 0
            repeat
              local r = redis.call('SCAN', cursor, 'MATCH', ARGV[1])
              cursor = r[1]
              for _, k in ipairs(r[2]) do n = n + redis.call('DEL', k) end
            until cursor == '0'
            return n
            """;
        Assert.Equal("""200 {"result":5}""", await Raw("EVAL", reset, "0", K("list:*")));
        Assert.Equal(0, (await store.ResultAsync("EXISTS", K("list:0"), K("list:4"))).GetInt32());
    }

    [Fact]
    public async Task A_script_over_keys_of_several_entities_is_atomic()
    {
        // Untagged keys: three entities, a chain per run. Concurrent runs never interleave.
        const string script = "local a = redis.call('INCR', KEYS[1]) local b = redis.call('INCR', KEYS[2]) redis.call('SET', KEYS[3], a - b) return {a, b}";
        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => store.ResultAsync("EVAL", script, "3", K("x"), K("y"), K("diff"))));
        Assert.Equal("12", (await store.ResultAsync("GET", K("x"))).GetString());
        Assert.Equal("12", (await store.ResultAsync("GET", K("y"))).GetString());
        Assert.Equal("0", (await store.ResultAsync("GET", K("diff"))).GetString());
        // The same with a hash tag: one entity.
        var tagged = new[] { $"{{{run}}}x", $"{{{run}}}y", $"{{{run}}}diff" };
        await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => store.ResultAsync(["EVAL", script, "3", .. tagged])));
        Assert.Equal("12", (await store.ResultAsync("GET", tagged[0])).GetString());
        Assert.Equal("0", (await store.ResultAsync("GET", tagged[2])).GetString());
    }

    [Fact]
    public async Task Read_only_scripts_and_read_only_tokens()
    {
        await store.ResultAsync("SET", K("ro"), "1");
        Assert.Equal("""200 {"result":"1"}""", await Raw("EVAL_RO", "return redis.call('GET', KEYS[1])", "1", K("ro")));
        Assert.Contains("Write commands are not allowed from read-only scripts", await Raw("EVAL_RO", "return redis.call('SET', KEYS[1], '2')", "1", K("ro")));
        // A no-writes script reads through EVAL too.
        Assert.Equal("""200 {"result":"1"}""", await Raw("EVAL", "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])", "1", K("ro")));

        // The read-only token runs EVAL as EVAL_RO: reads answer, writes are refused and change nothing.
        var (status, body) = await store.SendAsync(["EVAL", "return redis.call('GET', KEYS[1])", "1", K("ro")], StoreHost.ReadOnlyToken);
        Assert.Equal((200, """{"result":"1"}"""), (status, body));
        (status, body) = await store.SendAsync(["EVAL", "return redis.call('SET', KEYS[1], '2')", "1", K("ro")], StoreHost.ReadOnlyToken);
        Assert.Equal(400, status);
        Assert.Contains("Write commands are not allowed from read-only scripts", body);
        (status, _) = await store.SendAsync(["SCRIPT", "LOAD", "return 1"], StoreHost.ReadOnlyToken);
        Assert.Equal(403, status);
        Assert.Equal("1", (await store.ResultAsync("GET", K("ro"))).GetString());
    }

    [Fact]
    public async Task Functions_load_call_list_and_delete()
    {
        var library = $"lib{run}";
        var code = $"#!lua name={library}\n" +
                   $"redis.register_function('incr_{run}', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)\n" +
                   $"redis.register_function{{function_name='get_{run}', callback=function(keys) return redis.call('GET', keys[1]) end, flags={{'no-writes'}}}}";
        Assert.Equal($$"""200 {"result":"{{library}}"}""", await Raw("FUNCTION", "LOAD", code));
        var (status, body) = await store.SendAsync(["FUNCTION", "LOAD", code]);
        Assert.Equal((400, $"ERR Library '{library}' already exists"), (status, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()));
        Assert.Equal("""200 {"result":5}""", await Raw("FCALL", $"incr_{run}", "1", K("f"), "5"));
        Assert.Equal("""200 {"result":"5"}""", await Raw("FCALL_RO", $"get_{run}", "1", K("f")));
        Assert.Contains("Can not execute a script with write flag using *_ro command", await Raw("FCALL_RO", $"incr_{run}", "1", K("f"), "1"));
        var list = await store.ResultAsync("FUNCTION", "LIST", "LIBRARYNAME", library);
        Assert.Equal(library, list[0][1].GetString());
        Assert.Equal("""200 {"result":"OK"}""", await Raw("FUNCTION", "DELETE", library));
        Assert.Equal("""400 {"error":"ERR Function not found"}""", await Raw("FCALL", $"incr_{run}", "1", K("f"), "5"));
        Assert.Equal("5", (await store.ResultAsync("GET", K("f"))).GetString());
    }

    [Fact]
    public async Task Scripts_run_in_pipelines_and_transactions()
    {
        var commands = new[]
        {
            new[] { "SET", K("p"), "1" },
            ["EVAL", "return redis.call('INCRBY', KEYS[1], ARGV[1])", "1", K("p"), "10"],
            ["EVAL", "return redis.call('GET', KEYS[1])", "1", K("p")],
        };
        var (status, body) = await store.PostAsync("/pipeline", JsonSerializer.Serialize(commands));
        Assert.Equal((200, """[{"result":"OK"},{"result":11},{"result":"11"}]"""), (status, body));
        (status, body) = await store.PostAsync("/multi-exec", JsonSerializer.Serialize(commands.Append(["INCR", K("q")])));
        Assert.Equal((200, """[{"result":"OK"},{"result":11},{"result":"11"},{"result":1}]"""), (status, body));
        // A script in a transaction that computes a key name: the whole transaction runs with it.
        (status, body) = await store.PostAsync("/multi-exec", JsonSerializer.Serialize(new[]
        {
            new[] { "INCR", K("t1") },
            ["EVAL", $"return redis.call('INCR', '{K("t2")}')", "0"],
        }));
        Assert.Equal((200, """[{"result":1},{"result":1}]"""), (status, body));
        Assert.Equal("1", (await store.ResultAsync("GET", K("t1"))).GetString());
    }
}
