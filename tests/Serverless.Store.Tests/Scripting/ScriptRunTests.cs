using System.Text;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Scripting;

namespace Serverless.Store.Tests.Scripting;

/// <summary>
/// Where and how a script runs, on the engine alone: the budget (stopped runs apply nothing),
/// keys the keyspace does not hold (KeysNeededReply, nothing applied), script errors keeping their
/// writes, keyspace events of kept writes only, and runs that replay identically.
/// </summary>
public sealed class ScriptRunTests
{
    const long Now = 1_700_000_000_000;

    readonly ScriptCatalog catalog = new();

    Reply Run(IKeyspace keyspace, params string[] args) => Run(keyspace, null, args);

    Reply Run(IKeyspace keyspace, ScriptLimits? limits, params string[] args) =>
        Engine.Execute(Context(keyspace, limits), args.Select(Encoding.UTF8.GetBytes).ToArray());

    CommandContext Context(IKeyspace keyspace, ScriptLimits? limits = null, bool events = false, int seed = 1) =>
        new(keyspace, Now, new Random(seed)) { Scripts = catalog, ScriptLimits = limits, RecordEvents = events };

    static string Text(byte[]? b) => b is null ? "(nil)" : Encoding.UTF8.GetString(b);

    [Fact]
    public void An_endless_loop_is_stopped_by_the_instruction_budget_and_applies_nothing()
    {
        var keyspace = new MemoryKeyspace();
        var reply = Run(keyspace, new ScriptLimits { MaxInstructions = 1_000_000, TimeLimitMs = 0 },
            "EVAL", "redis.call('set', 'k', 'v')\nwhile true do end", "0");
        Assert.Equal("ERR script stopped after 1000000 instructions (the store's script budget); none of its writes were applied",
            Assert.IsType<ErrorReply>(reply).Message);
        Assert.Null(keyspace.Get("k"u8.ToArray()));
    }

    [Fact]
    public void Pcall_cannot_catch_the_budget()
    {
        var keyspace = new MemoryKeyspace();
        var reply = Run(keyspace, new ScriptLimits { MaxInstructions = 200_000, TimeLimitMs = 0 },
            "EVAL", "for i = 1, 3 do pcall(function() while true do end end) redis.call('incr', 'n') end\nreturn 'escaped'", "0");
        Assert.StartsWith("ERR script stopped after 200000 instructions", Assert.IsType<ErrorReply>(reply).Message);
        Assert.Null(keyspace.Get("n"u8.ToArray()));
    }

    [Fact]
    public void An_endless_loop_is_stopped_by_the_time_limit()
    {
        var keyspace = new MemoryKeyspace();
        var reply = Run(keyspace, new ScriptLimits { MaxInstructions = 0, TimeLimitMs = 200 },
            "EVAL", "redis.call('set', 'k', 'v')\nlocal t = {}\nwhile true do table.sort({3, 2, 1}) end", "0");
        Assert.Equal("ERR script stopped after 200 ms (lua-time-limit); none of its writes were applied", Assert.IsType<ErrorReply>(reply).Message);
        Assert.Null(keyspace.Get("k"u8.ToArray()));
    }

    [Fact]
    public void A_huge_table_is_stopped_by_the_memory_budget_and_applies_nothing()
    {
        var keyspace = new MemoryKeyspace();
        var reply = Run(keyspace, new ScriptLimits { MaxMemoryBytes = 8 << 20, MaxInstructions = 0, TimeLimitMs = 0 },
            "EVAL", "redis.call('set', 'k', 'v')\nlocal t = {}\nfor i = 1, 1e9 do t[i] = 'value' .. i end", "0");
        Assert.Equal("ERR script stopped: it used more than 8388608 bytes of memory (the store's script budget); none of its writes were applied",
            Assert.IsType<ErrorReply>(reply).Message);
        Assert.Null(keyspace.Get("k"u8.ToArray()));
    }

    [Fact]
    public void One_huge_string_is_refused_by_the_memory_budget()
    {
        var keyspace = new MemoryKeyspace();
        var reply = Run(keyspace, new ScriptLimits { MaxMemoryBytes = 8 << 20 },
            "EVAL", "redis.call('set', 'k', 'v')\nlocal ok = pcall(string.rep, 'x', 1e9)\nredis.call('set', 'after', 'x')\nreturn 'caught'", "0");
        Assert.StartsWith("ERR script stopped: it used more than 8388608 bytes", Assert.IsType<ErrorReply>(reply).Message);
        Assert.Null(keyspace.Get("k"u8.ToArray()));
        Assert.Null(keyspace.Get("after"u8.ToArray()));
    }

    /// <summary>Loops where Lua cannot yield (a sort comparator, a gsub callback, a metamethod, a coroutine) are stopped too.</summary>
    [Theory]
    [InlineData("table.sort({3, 2, 1}, function(a, b) while true do end end)")]
    [InlineData("string.gsub('abc', '%w', function(c) while true do end end)")]
    [InlineData("local t = setmetatable({}, {__index = function() while true do end end})\nreturn t.x")]
    [InlineData("local co = coroutine.wrap(function() while true do end end)\nco()")]
    [InlineData("local co = coroutine.create(function() while true do end end)\nreturn coroutine.resume(co)")]
    [InlineData("return tostring(setmetatable({}, {__tostring = function() while true do end end}))")]
    [InlineData("local f = loadstring('while true do end')\nf()")]
    [InlineData("return xpcall(function() while true do end end, function(e) return e end)")]
    public void Loops_where_lua_cannot_yield_are_stopped_too(string loop)
    {
        var keyspace = new MemoryKeyspace();
        var reply = Run(keyspace, new ScriptLimits { MaxInstructions = 500_000 }, "EVAL", "redis.call('set', 'k', 'v')\n" + loop, "0");
        Assert.StartsWith("ERR script stopped after 500000 instructions", Assert.IsType<ErrorReply>(reply).Message);
        Assert.Null(keyspace.Get("k"u8.ToArray()));
    }

    [Fact]
    public void Deep_recursion_is_a_script_error_not_a_crash()
    {
        var keyspace = new MemoryKeyspace();
        // 5.4's stack grows to a million slots: the memory budget stops it first (5.1 says "stack overflow").
        var lua = Assert.IsType<ErrorReply>(Run(keyspace, "EVAL", "local function f() return 1 + f() end\nreturn f()", "0"));
        Assert.StartsWith("ERR script stopped: it used more than 67108864 bytes of memory", lua.Message);
        var small = Assert.IsType<ErrorReply>(Run(keyspace, new ScriptLimits { MaxMemoryBytes = 0 }, "EVAL", "local function f() return 1 + f() end\nreturn f()", "0"));
        Assert.Contains("stack overflow", small.Message);
        // Through C# pcall frames: Lua's C-call limit stops it, inside the innermost pcall.
        var nested = Run(keyspace, "EVAL", "local function f() return pcall(f) end\nlocal ok = f()\nreturn tostring(ok)", "0");
        Assert.Equal(Reply.Bulk("true"), nested);
        Assert.Equal(Reply.Integer(1), Run(keyspace, "EVAL", "return 1", "0"));
    }

    [Fact]
    public void A_finalizer_never_runs()
    {
        var keyspace = new MemoryKeyspace();
        var reply = Run(keyspace, "EVAL",
            "for i = 1, 1000 do setmetatable({}, {__gc = function() while true do end end}) end\ncollectgarbage()\nreturn 'done'", "0");
        Assert.Equal(Reply.Bulk("done"), reply);
    }

    [Fact]
    public void The_state_is_usable_after_a_stopped_run()
    {
        var keyspace = new MemoryKeyspace();
        for (var i = 0; i < 3; i++)
        {
            Assert.IsType<ErrorReply>(Run(keyspace, new ScriptLimits { MaxInstructions = 100_000 }, "EVAL", "while true do end", "0"));
            Assert.Equal(Reply.Integer(i + 1), Run(keyspace, "EVAL", "return redis.call('incr', 'n')", "0"));
        }
    }

    [Fact]
    public void A_script_error_keeps_the_writes_before_it()
    {
        var keyspace = new MemoryKeyspace();
        var reply = Run(keyspace, "EVAL", "redis.call('set', 'k', 'v')\nerror('late')", "0");
        Assert.StartsWith("ERR user_script:2: late script:", Assert.IsType<ErrorReply>(reply).Message);
        Assert.Equal("v", Text(keyspace.Get("k"u8.ToArray())?.String));
    }

    /// <summary>A keyspace that holds only some keys and cannot be listed, like a key entity's.</summary>
    sealed class HeldKeys(params string[] held) : IKeyspace
    {
        readonly Dictionary<byte[], KeyState> states = new(Bytes.Comparer);
        readonly HashSet<byte[]> keys = new(held.Select(Encoding.UTF8.GetBytes), Bytes.Comparer);
        public int Writes;

        byte[] Require(byte[] key) => keys.Contains(key) ? key : throw new UndeclaredKeyException(key);
        public KeyState? Get(byte[] key) => states.GetValueOrDefault(Require(key));

        public void Set(byte[] key, KeyState state)
        {
            states[Require(key)] = state;
            Writes++;
        }

        public void Remove(byte[] key)
        {
            states.Remove(Require(key));
            Writes++;
        }
    }

    [Fact]
    public void Undeclared_keys_answer_keys_needed_and_apply_nothing()
    {
        var keyspace = new HeldKeys("a");
        var reply = Run(keyspace, "EVAL",
            "redis.call('set', KEYS[1], 'x')\nlocal v = redis.call('get', 'b:' .. ARGV[1])\nredis.call('set', 'c', v or 'none')\nreturn pcall(redis.call, 'get', 'd')", "1", "a", "1");
        var needed = Assert.IsType<KeysNeededReply>(reply);
        Assert.Equal(["b:1", "c", "d"], needed.Keys.Select(Text));
        Assert.Empty(needed.Patterns);
        Assert.Equal(0, keyspace.Writes);
    }

    [Fact]
    public void Listing_the_keyspace_where_it_cannot_be_listed_answers_its_pattern()
    {
        var keyspace = new HeldKeys("a");
        var scan = Assert.IsType<KeysNeededReply>(Run(keyspace, "EVAL", UpstashScripts.ResetScript, "1", "rl:*"));
        Assert.Equal(["rl:*"], scan.Patterns.Select(Text));
        var keys = Assert.IsType<KeysNeededReply>(Run(keyspace, "EVAL",
            "redis.call('set', KEYS[1], 1)\nlocal ok = pcall(redis.call, 'keys', 'user:*')\nreturn 1", "1", "a"));
        Assert.Equal(["user:*"], keys.Patterns.Select(Text));
        var dbsize = Assert.IsType<KeysNeededReply>(Run(keyspace, "EVAL", "return redis.call('dbsize')", "0"));
        Assert.Equal(["*"], dbsize.Patterns.Select(Text));
        Assert.Equal(0, keyspace.Writes);
    }

    [Fact]
    public void Scan_inside_a_script_just_works_on_an_enumerable_keyspace()
    {
        var keyspace = new MemoryKeyspace();
        Run(keyspace, "MSET", "rl:1", "a", "rl:2", "b", "other", "c");
        Assert.Equal(Reply.Nil, Run(keyspace, "EVAL", UpstashScripts.ResetScript, "1", "rl:*"));
        Assert.Equal(1, keyspace.Count);
    }

    [Fact]
    public void Keyspace_events_are_raised_for_kept_writes_only()
    {
        var keyspace = new MemoryKeyspace();
        var kept = Context(keyspace, events: true);
        Engine.Execute(kept, Args("EVAL", "redis.call('set', 'a', 1)\nredis.call('lpush', 'l', 'x')\nerror('after writes')", "0"));
        Assert.Equal(["set a", "lpush l"], kept.Events!.Select(e => $"{e.Name} {Text(e.Key)}"));

        var stopped = Context(keyspace, new ScriptLimits { MaxInstructions = 100_000 }, events: true);
        Engine.Execute(stopped, Args("EVAL", "redis.call('set', 'b', 1)\nwhile true do end", "0"));
        Assert.Null(stopped.Events);
    }

    [Fact]
    public void A_replayed_run_computes_the_same_result()
    {
        const string script = "return {math.random(1000000), math.random(1000000), redis.call('time')[1], redis.call('srandmember', 's')}";
        Reply Once(int seed)
        {
            var keyspace = new MemoryKeyspace();
            Engine.Execute(Context(keyspace), Args("SADD", "s", "a", "b", "c", "d", "e", "f"));
            return Engine.Execute(Context(keyspace, seed: seed), Args("EVAL", script, "0"));
        }
        Assert.Equal(Once(5), Once(5));
        Assert.NotEqual(Once(5), Once(6));
        Assert.Equal(Reply.Bulk((Now / 1000).ToString()), ((ArrayReply)Once(5)).Items![2]);
    }

    [Fact]
    public void Eval_caches_what_it_ran_in_the_context_catalog()
    {
        var keyspace = new MemoryKeyspace();
        const string script = "return 'cached'";
        var sha = ScriptCorpus.Sha1(script);
        Assert.Equal(ScriptCommands.NoScript, Assert.IsType<ErrorReply>(Run(keyspace, "EVALSHA", sha, "0")).Message);
        Run(keyspace, "EVAL", script, "0");
        Assert.Equal(script, Text(catalog.FindScript(sha)));
        Assert.Equal(Reply.Bulk("cached"), Run(keyspace, "EVALSHA", sha, "0"));
        Assert.Null(ScriptCatalog.Local.FindScript(sha));
    }

    [Fact]
    public void Redis_log_writes_to_the_context_log()
    {
        var lines = new List<string>();
        var ctx = new CommandContext(new MemoryKeyspace(), Now) { Scripts = catalog, ScriptLog = (level, message) => lines.Add($"{level}: {message}") };
        Engine.Execute(ctx, Args("EVAL", "redis.log(redis.LOG_WARNING, 'hello', 42, 2.5)\nredis.log(redis.LOG_DEBUG, 'quiet')", "0"));
        Assert.Equal(["Warning: hello 42 2.5", "Debug: quiet"], lines);
    }

    [Fact]
    public void The_catalog_round_trips_through_json()
    {
        var keyspace = new MemoryKeyspace();
        Run(keyspace, "SCRIPT", "LOAD", "return 1");
        Run(keyspace, "FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function{function_name='f', callback=function() return 7 end, flags={'no-writes'}, description='d'}");
        var json = System.Text.Json.JsonSerializer.Serialize(catalog);
        var back = System.Text.Json.JsonSerializer.Deserialize<ScriptCatalog>(json)!;
        Assert.NotNull(back.FindScript(ScriptCorpus.Sha1("return 1")));
        var library = Assert.Single(back.AllLibraries());
        Assert.Equal(new FunctionInfo("f", "d", ScriptFlags.NoWrites), Assert.Single(library.Functions));
        Assert.Equal(Reply.Integer(7), Engine.Execute(new CommandContext(keyspace, Now) { Scripts = back }, Args("FCALL_RO", "f", "0")));
    }

    static byte[][] Args(params string[] args) => args.Select(Encoding.UTF8.GetBytes).ToArray();
}
