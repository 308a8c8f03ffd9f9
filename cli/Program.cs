using System.CommandLine;
using System.Text;

namespace Serverless.Store.Cli;

/// <summary>
/// store-cli's command line, read as redis-cli reads its own: options first, then the command and
/// its arguments as they are (so `store-cli SET k -1` sends "-1" rather than reading an option).
/// System.CommandLine parses, validates and documents the options; the words after the first one that
/// is not an option are the command.
/// </summary>
internal static class Program
{
    public const string DefaultUrl = "http://127.0.0.1:7071/api";

    static readonly Option<string?> Url = new("--url", "-u") { HelpName = "URL", Description = $"The store's REST base (default: STORE_URL, else {DefaultUrl})" };
    static readonly Option<string?> Token = new("--token", "-t") { HelpName = "TOKEN", Description = "The store's token (default: STORE_TOKEN); sent as a bearer header, never in a URL" };
    static readonly Option<long> Repeat = new("-r") { HelpName = "COUNT", Description = "Run the command COUNT times (-1: until stopped)", DefaultValueFactory = _ => 1 };
    static readonly Option<double> Interval = new("-i") { HelpName = "SECONDS", Description = "Wait SECONDS between commands (-r), between --stat rows, or per 100 SCANs of --bigkeys (e.g. 0.1)" };
    static readonly Option<bool> Raw = new("--raw") { Description = "Print replies raw (the default when stdout is not a terminal)" };
    static readonly Option<bool> NoRaw = new("--no-raw") { Description = "Print replies formatted as on a terminal even when piped" };
    static readonly Option<bool> Csv = new("--csv") { Description = "Print replies as CSV" };
    static readonly Option<bool> ErrorCode = new("-e") { Description = "Exit with code 1 (error on stderr) when the command answers an error" };
    static readonly Option<bool> Pipe = new("--pipe") { Description = "Mass insertion: read commands (RESP or inline) from stdin and send them in pipelines" };
    static readonly Option<int> PipeBatch = new("--pipe-batch") { HelpName = "N", Description = "Commands per pipeline request in --pipe (1-1000)", DefaultValueFactory = _ => 1000 };
    static readonly Option<bool> Scan = new("--scan") { Description = "List keys with SCAN, one per line" };
    static readonly Option<string?> Pattern = new("--pattern") { HelpName = "PATTERN", Description = "SCAN's MATCH pattern for --scan and --bigkeys" };
    static readonly Option<string?> KeyType = new("--type") { HelpName = "TYPE", Description = "SCAN's TYPE filter for --scan" };
    static readonly Option<bool> BigKeys = new("--bigkeys") { Description = "Sample the keyspace for the biggest key of each type" };
    static readonly Option<string?> Rdb = new("--rdb") { HelpName = "FILE", Description = "Download the latest snapshot (an RDB file) to FILE ('-' for stdout)" };
    static readonly Option<bool> Latency = new("--latency") { Description = "Measure PING round trips continuously (min, max, avg in ms)" };
    static readonly Option<bool> Stat = new("--stat") { Description = "Print a rolling table of the store's statistics from INFO" };

    static readonly Option[] All = [Url, Token, Repeat, Interval, Raw, NoRaw, Csv, ErrorCode, Pipe, PipeBatch, Scan, Pattern, KeyType, BigKeys, Rdb, Latency, Stat];

    public static async Task<int> Main(string[] args)
    {
        var split = OptionCount(args);
        var root = new RootCommand("store-cli: redis-cli for Serverless.Store over its REST API. " +
            "Usage: store-cli [OPTIONS] [cmd [arg [arg ...]]]; with no command, an interactive prompt.");
        foreach (var option in All) root.Options.Add(option);
        var result = root.Parse(args[..split]);
        if (result.Errors.Count > 0 || result.Action is not null)
            return await result.InvokeAsync(); // help, version, or the parse errors with usage
        try
        {
            return await RunAsync(result, args[split..]);
        }
        catch (CliException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 1;
        }
    }

    /// <summary>How many leading arguments are options (and their values): redis-cli stops at the first word that is not one.</summary>
    static int OptionCount(string[] args)
    {
        var valued = All.Where(o => o.ValueType != typeof(bool)).SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet();
        var i = 0;
        while (i < args.Length)
        {
            var a = args[i];
            if (a == "--") return i; // System.CommandLine would take it as the end of options; the command follows
            if (!a.StartsWith('-') || a == "-") return i;
            i += valued.Contains(a.Split('=')[0]) && !a.Contains('=') ? 2 : 1;
        }
        return Math.Min(i, args.Length);
    }

    static async Task<int> RunAsync(ParseResult p, string[] command)
    {
        var url = p.GetValue(Url) ?? NonEmpty(Environment.GetEnvironmentVariable("STORE_URL")) ?? DefaultUrl;
        var token = p.GetValue(Token) ?? NonEmpty(Environment.GetEnvironmentVariable("STORE_TOKEN"));
        var interval = p.GetValue(Interval);
        if (interval < 0 || double.IsNaN(interval)) throw new CliException("-i: give a number of seconds, 0 or more (e.g. -i 0.1)");
        var batch = p.GetValue(PipeBatch);
        if (batch is < 1 or > 1000) throw new CliException("--pipe-batch: give 1 to 1000 (the store takes at most 1,000 commands per pipeline)");
        var cli = new Cli(new StoreClient(url, token), ChooseMode(p), TimeSpan.FromSeconds(interval))
        {
            ExitOnError = p.GetValue(ErrorCode),
        };
        using var _ = cli.Store;
        if (p.GetValue(Latency)) return await cli.LatencyAsync(p.GetResult(Interval) is not null);
        if (p.GetValue(Rdb) is { } file) return await cli.RdbAsync(file);
        if (p.GetValue(Pipe)) return await cli.PipeAsync(Console.OpenStandardInput(), batch);
        if (p.GetValue(BigKeys)) return await cli.BigKeysAsync(p.GetValue(Pattern));
        if (p.GetValue(Stat)) return await cli.StatAsync(p.GetResult(Interval) is not null ? TimeSpan.FromSeconds(interval) : TimeSpan.FromSeconds(1));
        if (p.GetValue(Scan)) return await cli.ScanAsync(p.GetValue(Pattern), p.GetValue(KeyType));
        if (command.Length == 0) return await new Repl(cli).RunAsync();
        return await cli.RunCommandAsync(command.Select(Encoding.UTF8.GetBytes).ToList(), p.GetValue(Repeat));
    }

    static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>Raw when stdout is not a terminal (unless FAKETTY is set, as redis-cli), else formatted; --raw, --no-raw, --csv: the last one given wins.</summary>
    static OutputMode ChooseMode(ParseResult p)
    {
        var mode = Console.IsOutputRedirected && Environment.GetEnvironmentVariable("FAKETTY") is null ? OutputMode.Raw : OutputMode.Standard;
        foreach (var token in p.Tokens.Select(t => t.Value))
        {
            if (token == "--raw") mode = OutputMode.Raw;
            else if (token == "--no-raw") mode = OutputMode.Standard;
            else if (token == "--csv") mode = OutputMode.Csv;
        }
        return mode;
    }
}
