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
        using var process = Process.Start(psi)!;
        var output = new StringBuilder();
        var reading = Task.Run(async () =>
        {
            var buffer = new char[1024];
            int n;
            while ((n = await process.StandardOutput.ReadAsync(buffer)) > 0) lock (output) output.Append(buffer, 0, n);
        });
        async Task TypeAsync(string keys)
        {
            await process.StandardInput.WriteAsync(keys);
            await process.StandardInput.FlushAsync();
        }
        try
        {
            var prompt = $"{host.BaseUri.Host}:{host.BaseUri.Port}> ";
            await StoreModesTests.WaitForAsync(output, prompt);
            await TypeAsync($"SET {key} \"hello world\"\r");
            await StoreModesTests.WaitForAsync(output, "OK\r\n");
            await TypeAsync($"GET {key}\r");
            await StoreModesTests.WaitForAsync(output, "\"hello world\"\r\n");
            await TypeAsync($"APPEND {key} !\r");
            await StoreModesTests.WaitForAsync(output, "(integer) 12\r\n");
            await TypeAsync("\x1b[A\x1b[A\r"); // up twice: the GET again
            await StoreModesTests.WaitForAsync(output, "\"hello world!\"\r\n");
            await TypeAsync("quit\r");
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token);
            var history = await File.ReadAllLinesAsync(Path.Combine(home, ".store_cli_history"));
            // The recalled line is a new entry, as linenoise keeps it.
            Assert.Equal([$"SET {key} \"hello world\"", $"GET {key}", $"APPEND {key} !", $"GET {key}", "quit"], history);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            Directory.Delete(home, recursive: true);
        }
    }
}
