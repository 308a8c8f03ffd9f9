namespace Serverless.Store.LoadGen;

/// <summary>
/// One kind of load: how many closed-loop clients, what each sends per operation, how many commands
/// an operation holds, and an optional check of the store's state afterwards.
/// </summary>
sealed record Scenario(
    string Name,
    int Clients,
    int CommandsPerOp,
    Func<ITarget, Task>? Setup,
    Func<ITarget, int, Random, Task<bool>> Op,
    Func<ITarget, long, Task<string>>? Check = null)
{
    public static readonly string Value32 = new('v', 32);

    /// <summary>
    /// The issue-3 scenarios and issue 14's multi-key ones. Keys carry a run prefix so reruns on one
    /// Azurite never meet; multi-key scenarios give each client key pairs of its own (distinct pairs:
    /// what is measured is the cost of a transaction, not waiting for another client's).
    /// </summary>
    public static IReadOnlyList<Scenario> All(string run) =>
    [
        new("GET 1 key, 1 client", 1, 1,
            t => t.CommandAsync(["SET", $"{run}:get", Value32]),
            (t, _, _) => t.CommandAsync(["GET", $"{run}:get"])),
        new("GET 1 key, 64 clients", 64, 1,
            t => t.CommandAsync(["SET", $"{run}:get", Value32]),
            (t, _, _) => t.CommandAsync(["GET", $"{run}:get"])),
        new("SET 1,000 keys, 1 client", 1, 1, null,
            (t, _, r) => t.CommandAsync(["SET", $"{run}:k:{r.Next(1000)}", Value32])),
        Set(run, 8),
        Set(run, 16),
        new("SET 1,000 keys, 64 clients", 64, 1, null,
            (t, _, r) => t.CommandAsync(["SET", $"{run}:k:{r.Next(1000)}", Value32])),
        new("INCR 1 hot key, 64 clients", 64, 1, null,
            (t, _, _) => t.CommandAsync(["INCR", $"{run}:hot"]),
            // Every acknowledged INCR must be in the value a later GET reads (read-your-writes).
            async (t, acknowledged) =>
            {
                var value = await t.ReadAsync(["GET", $"{run}:hot"]);
                return value == acknowledged.ToString()
                    ? $"GET after the run = {value} = acknowledged INCRs"
                    : $"MISMATCH: GET after the run = {value ?? "nil"}, acknowledged INCRs = {acknowledged}";
            }),
        new("pipeline of 100 SETs (100 keys), 8 clients", 8, 100, null,
            (t, client, _) =>
            {
                var commands = new string[100][];
                for (var j = 0; j < commands.Length; j++) commands[j] = ["SET", $"{run}:p:{client}:{j}", Value32];
                return t.PipelineAsync(commands);
            }),
        Transfer(run, 1),
        Transfer(run, 8),
        PairedSet(run, 1),
        PairedSet(run, 8),
        Transfer(run, 1, tagged: true),
        Transfer(run, 8, tagged: true),
        PairedSet(run, 1, tagged: true),
        PairedSet(run, 8, tagged: true),
        ScriptedSet(run, 1),
        ScriptedSet(run, 16),
        Limiter(run, 16),
        SlidingLimiter(run, tagged: false),
        SlidingLimiter(run, tagged: true),
    ];

    static Scenario Set(string run, int clients) =>
        new($"SET 1,000 keys, {clients} clients", clients, 1, null,
            (t, _, r) => t.CommandAsync(["SET", $"{run}:k:{r.Next(1000)}", Value32]));

    /// <summary>A fixed-window rate limiter's check, as @upstash/ratelimit's fixedWindow script does it: INCRBY, PEXPIRE on the first.</summary>
    public const string FixedWindowScript =
        "local r = redis.call('INCRBY', KEYS[1], ARGV[2]) if r == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return r";

    /// <summary>A sliding-window check over the current and the previous window's keys (@upstash/ratelimit's slidingWindow, shortened).</summary>
    public const string SlidingWindowScript =
        "local cur = tonumber(redis.call('GET', KEYS[1]) or '0') local prev = tonumber(redis.call('GET', KEYS[2]) or '0') " +
        "if cur + prev >= tonumber(ARGV[1]) then return -1 end " +
        "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return n";

    static string Sha1(string script) => Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes(script)));

    /// <summary>SET through a script, over 1,000 keys like the SET scenarios: what running a script adds to a write.</summary>
    const string SetScript = "return redis.call('SET', KEYS[1], ARGV[1])";

    static Scenario ScriptedSet(string run, int clients) =>
        new($"EVALSHA of SET, 1,000 keys, {clients} client{(clients == 1 ? "" : "s")}", clients, 1,
            t => t.CommandAsync(["SCRIPT", "LOAD", SetScript]),
            (t, _, r) => t.CommandAsync(["EVALSHA", Sha1(SetScript), "1", $"{run}:es:{r.Next(1000)}", Value32]));

    /// <summary>
    /// Windows of an hour: the keys' expiries (an entity signal each) must not fire during the run,
    /// where they would slow the scenarios after this one.
    /// </summary>
    const string Window = "3600000";

    static Scenario Limiter(string run, int clients) =>
        new($"EVALSHA fixed-window limiter, 1,000 keys, {clients} client{(clients == 1 ? "" : "s")}", clients, 1,
            t => t.CommandAsync(["SCRIPT", "LOAD", FixedWindowScript]),
            (t, _, r) => t.CommandAsync(["EVALSHA", Sha1(FixedWindowScript), "1", $"{run}:rl:{r.Next(1000)}", Window, "1"]));

    static Scenario SlidingLimiter(string run, bool tagged) =>
        new($"EVALSHA sliding-window limiter (2 {(tagged ? "tagged " : "")}keys), 1 client", 1, 1,
            t => t.CommandAsync(["SCRIPT", "LOAD", SlidingWindowScript]),
            (t, client, r) =>
            {
                var id = $"{run}:sw{(tagged ? "t" : "")}:{r.Next(1000)}";
                if (tagged) id = "{" + id + "}";
                return t.CommandAsync(["EVALSHA", Sha1(SlidingWindowScript), "2", $"{id}:cur", $"{id}:prev", "1000000", Window]);
            });

    static Scenario Transfer(string run, int clients, bool tagged = false) =>
        new($"MULTI/EXEC on 2 {(tagged ? "tagged " : "")}keys (DECRBY a, INCRBY b), {clients} client{(clients == 1 ? "" : "s")}", clients, 2, null,
            (t, client, r) =>
            {
                var pair = $"{run}:tx{(tagged ? "t" : "")}{clients}:{client}:{r.Next(100)}";
                if (tagged) pair = "{" + pair + "}"; // one hash tag: both keys in one entity
                return t.MultiExecAsync([["DECRBY", $"{pair}:a", "1"], ["INCRBY", $"{pair}:b", "1"]]);
            });

    static Scenario PairedSet(string run, int clients, bool tagged = false) =>
        new($"MSET 2 {(tagged ? "tagged " : "")}keys, {clients} client{(clients == 1 ? "" : "s")}", clients, 2, null,
            (t, client, r) =>
            {
                var pair = $"{run}:ms{(tagged ? "t" : "")}{clients}:{client}:{r.Next(100)}";
                if (tagged) pair = "{" + pair + "}";
                return t.CommandAsync(["MSET", $"{pair}:a", Value32, $"{pair}:b", Value32]);
            });
}
