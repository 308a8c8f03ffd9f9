using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Cli.Tests;

/// <summary>store-cli's modes against the standalone store: --pipe, --scan, --bigkeys, -r, --latency, SUBSCRIBE, errors.</summary>
[Collection(StoreHostCollection.Name)]
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class StoreModesTests(StoreHost host)
{
    readonly string prefix = $"cli:{Guid.NewGuid():N}"[..16] + ":";

    /// <summary>
    /// 100,000 commands through --pipe in RESP, with redis-cli's summary. They are ECHOs: on this
    /// store a SET is a durable entity write, and 100,000 of them take far longer than a CI run may
    /// (docs/cli.md); what --pipe itself does (reading, batching 100 requests, counting) is the same.
    /// </summary>
    [Fact]
    public async Task Pipe_sends_100000_commands_and_prints_the_summary()
    {
        var input = new MemoryStream();
        for (var i = 0; i < 100_000; i++)
        {
            var v = $"v:{i}";
            input.Write(Encoding.ASCII.GetBytes($"*2\r\n$4\r\nECHO\r\n${v.Length}\r\n{v}\r\n"));
        }
        var run = await CliProcess.StoreCliAsync(host, ["--pipe"], input.ToArray());
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("All data transferred. Waiting for the last reply...\nLast reply received from server.\nerrors: 0, replies: 100000\n", run.Text);
    }

    [Fact]
    public async Task Pipe_writes_keys_in_order_and_counts_errors()
    {
        var input = new StringBuilder();
        for (var i = 0; i < 300; i++) input.Append($"SET {prefix}k:{i} v:{i}\r\n");
        input.Append($"INCR {prefix}k:0\r\n"); // an error: not an integer
        input.Append($"SET {prefix}k:7 changed\r\n"); // after its first SET, in order
        var run = await CliProcess.StoreCliAsync(host, ["--pipe", "--pipe-batch", "100"], Encoding.UTF8.GetBytes(input.ToString()));
        Assert.Equal(1, run.ExitCode);
        Assert.EndsWith("errors: 1, replies: 302\n", run.Text);
        Assert.Contains("ERR value is not an integer or out of range", run.Stderr);
        foreach (var i in new[] { 0, 1, 150, 299 }) Assert.Equal($"v:{i}", (await host.ResultAsync("GET", $"{prefix}k:{i}")).GetString());
        Assert.Equal("changed", (await host.ResultAsync("GET", $"{prefix}k:7")).GetString());
    }

    [Fact]
    public async Task Scan_lists_this_tests_keys_with_a_pattern_and_a_type()
    {
        await host.ResultAsync("SET", prefix + "a", "1");
        await host.ResultAsync("SET", prefix + "b\"q", "1");
        await host.ResultAsync("HSET", prefix + "h", "f", "v");
        var raw = await CliProcess.StoreCliAsync(host, ["--scan", "--pattern", prefix + "*"]);
        Assert.Equal([prefix + "a", prefix + "b\"q", prefix + "h"], raw.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        var quoted = await CliProcess.StoreCliAsync(host, ["--no-raw", "--scan", "--pattern", prefix + "b*"]);
        Assert.Equal($"\"{prefix}b\\\"q\"\n", quoted.Text);
        var hashes = await CliProcess.StoreCliAsync(host, ["--scan", "--pattern", prefix + "*", "--type", "hash"]);
        Assert.Equal(prefix + "h\n", hashes.Text);
    }

    [Fact]
    public async Task Bigkeys_names_the_biggest_key_of_each_type()
    {
        await host.ResultAsync("SET", prefix + "small", "ab");
        await host.ResultAsync("SET", prefix + "big", "abcdefgh");
        await host.ResultAsync("RPUSH", prefix + "list", "a", "b", "c");
        var run = await CliProcess.StoreCliAsync(host, ["--bigkeys", "--pattern", prefix + "*"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("Sampled 3 keys in the keyspace!\n", run.Text);
        Assert.Contains($"Biggest string found '\"{prefix}big\"' has 8 bytes\n", run.Text);
        Assert.Contains($"Biggest   list found '\"{prefix}list\"' has 3 items\n", run.Text);
        Assert.Contains("2 strings with 10 bytes (66.67% of keys, avg size 5.00)\n", run.Text);
    }

    [Fact]
    public async Task Repeat_runs_a_command_count_times()
    {
        var run = await CliProcess.StoreCliAsync(host, ["-r", "3", "-i", "0.05", "INCR", prefix + "n"]);
        Assert.Equal("1\n2\n3\n", run.Text);
    }

    [Fact]
    public async Task Latency_piped_prints_one_line_of_min_max_avg_samples()
    {
        var run = await CliProcess.StoreCliAsync(host, ["--latency"]);
        Assert.Equal(0, run.ExitCode);
        Assert.Matches(new Regex(@"^\d+ \d+ \d+\.\d\d \d+\n$"), run.Text);
    }

    [Fact]
    public async Task Subscribe_prints_the_confirmation_and_messages_as_redis_cli()
    {
        var channel = prefix + "ch";
        var psi = CliProcess.StartInfo("dotnet", [CliProcess.StoreCliDll, "-u", host.BaseUrl, "-t", StoreHost.FullToken, "--no-raw", "SUBSCRIBE", channel]);
        await using var cli = new LiveProcess(psi);
        var confirmed = $"Reading messages... (press Ctrl-C to quit)\n1) \"subscribe\"\n2) \"{channel}\"\n3) (integer) 1\n";
        await cli.WaitForAsync(confirmed);
        Assert.Equal(1, (await host.ResultAsync("PUBLISH", channel, "hello, \"world\"")).GetInt64());
        await cli.WaitForAsync(confirmed + $"1) \"message\"\n2) \"{channel}\"\n3) \"hello, \\\"world\\\"\"\n");
    }

    [Fact]
    public async Task Stat_prints_redis_clis_header_and_rows()
    {
        var psi = CliProcess.StartInfo("dotnet", [CliProcess.StoreCliDll, "-u", host.BaseUrl, "-t", StoreHost.FullToken, "--stat", "-i", "0.1"]);
        await using var cli = new LiveProcess(psi);
        var header = "------- data ------ --------------------- load -------------------- - child -\n" +
                     "keys       mem      clients blocked requests            connections          \n";
        await cli.WaitForAsync(header);
        await cli.WaitForAsync(" (+"); // a second row: requests since the first
        var rows = cli.Text[header.Length..].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // keys, memory (bytesToHuman), clients, blocked, "requests (+delta)", connections
        Assert.Matches(new Regex(@"^\d+ +-?\d+(\.\d\d)?[BKMG] +\d+ +\d+ +\d+ \(\+\d+\) +\d+ *$"), rows[0]);
    }

    [Fact]
    public async Task Rdb_downloads_the_latest_snapshot()
    {
        await host.ResultAsync("SET", prefix + "saved", "in the snapshot");
        Assert.Equal("OK", (await host.ResultAsync("SAVE")).GetString());
        var file = Path.Combine(Path.GetTempPath(), $"store-cli-{Guid.NewGuid():N}.rdb");
        try
        {
            var run = await CliProcess.StoreCliAsync(host, ["--rdb", file]);
            Assert.True(run.ExitCode == 0, run.Stderr);
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Equal("REDIS", Encoding.ASCII.GetString(bytes, 0, 5));
            Assert.Contains(prefix + "saved", Encoding.Latin1.GetString(bytes));
            Assert.Contains($"Transfer finished with success after {bytes.Length} bytes", run.Stderr);
            var stdout = await CliProcess.StoreCliAsync(host, ["--rdb", "-"]);
            Assert.Equal("REDIS", Encoding.ASCII.GetString(stdout.Stdout, 0, 5));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_wrong_token_says_to_pass_one()
    {
        var run = await CliProcess.RunAsync("dotnet", [CliProcess.StoreCliDll, "-u", host.BaseUrl, "-t", "wrong", "PING"], null, null);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("STORE_TOKEN", run.Stderr);
        Assert.DoesNotContain("wrong", run.Stderr);
    }
}

/// <summary>Errors that need no store.</summary>
public sealed class CliErrorTests
{
    [Fact]
    public async Task An_unreachable_store_says_how_to_start_one()
    {
        var port = Serverless.Store.Tests.Infrastructure.Ports.Free();
        var run = await CliProcess.RunAsync("dotnet", [CliProcess.StoreCliDll, "-u", $"http://127.0.0.1:{port}/api", "PING"], null, null);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Connection refused", run.Stderr);
        Assert.Contains("./standalone/run.sh", run.Stderr);
    }

    [Fact]
    public async Task A_bad_option_value_is_refused_with_usage()
    {
        var run = await CliProcess.RunAsync("dotnet", [CliProcess.StoreCliDll, "-r", "many", "PING"], null, null);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("many", run.Stderr);
    }
}
