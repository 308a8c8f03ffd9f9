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
    ];

    static Scenario Transfer(string run, int clients) =>
        new($"MULTI/EXEC on 2 keys (DECRBY a, INCRBY b), {clients} client{(clients == 1 ? "" : "s")}", clients, 2, null,
            (t, client, r) =>
            {
                var pair = $"{run}:tx{clients}:{client}:{r.Next(100)}";
                return t.MultiExecAsync([["DECRBY", $"{pair}:a", "1"], ["INCRBY", $"{pair}:b", "1"]]);
            });

    static Scenario PairedSet(string run, int clients) =>
        new($"MSET 2 keys, {clients} client{(clients == 1 ? "" : "s")}", clients, 2, null,
            (t, client, r) =>
            {
                var pair = $"{run}:ms{clients}:{client}:{r.Next(100)}";
                return t.CommandAsync(["MSET", $"{pair}:a", Value32, $"{pair}:b", Value32]);
            });
}
