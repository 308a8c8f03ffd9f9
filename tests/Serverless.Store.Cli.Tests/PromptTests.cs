using System.Diagnostics;
using System.Text;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Cli.Tests;

/// <summary>
/// The interactive prompt on a real pseudo-terminal: util-linux's `script` runs store-cli on a PTY
/// and forwards what the test writes as keystrokes; the test reads the screen output.
/// </summary>
[Collection(StoreHostCollection.Name)]
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class PromptTests(StoreHost host)
{
    [Fact]
    public async Task The_prompt_runs_commands_and_arrow_up_recalls_history()
    {
        var key = $"cli:prompt:{Guid.NewGuid():N}";
        var home = Directory.CreateTempSubdirectory("store-cli-home").FullName;
        var command = $"dotnet '{CliProcess.StoreCliDll}' -u '{host.BaseUrl}' -t '{StoreHost.FullToken}'";
        var psi = CliProcess.StartInfo("script", ["-qfec", command, "/dev/null"]);
        psi.Environment["TERM"] = "xterm";
        psi.Environment["HOME"] = home;
        psi.Environment.Remove("STORE_CLI_HISTFILE");
        await using var cli = new LiveProcess(psi);
        async Task TypeAsync(string keys)
        {
            await cli.Process.StandardInput.WriteAsync(keys);
            await cli.Process.StandardInput.FlushAsync();
        }
        try
        {
            var prompt = $"{host.BaseUri.Host}:{host.BaseUri.Port}> ";
            await cli.WaitForAsync(prompt);
            await TypeAsync($"SET {key} \"hello world\"\r");
            await cli.WaitForAsync("OK\r\n");
            await TypeAsync($"GET {key}\r");
            await cli.WaitForAsync("\"hello world\"\r\n");
            await TypeAsync($"APPEND {key} !\r");
            await cli.WaitForAsync("(integer) 12\r\n");
            await TypeAsync("\x1b[A\x1b[A\r"); // up twice: the GET again
            await cli.WaitForAsync("\"hello world!\"\r\n");
            await TypeAsync("quit\r");
            await cli.Process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token);
            var history = await File.ReadAllLinesAsync(Path.Combine(home, ".store_cli_history"));
            // The recalled line is a new entry, as linenoise keeps it.
            Assert.Equal([$"SET {key} \"hello world\"", $"GET {key}", $"APPEND {key} !", $"GET {key}", "quit"], history);
        }
        finally
        {
            await cli.DisposeAsync(); // the process is gone before its home folder
            Directory.Delete(home, recursive: true);
        }
    }
}
