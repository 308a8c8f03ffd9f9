using System.Diagnostics;
using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Serverless.Store.Cli;

/// <summary>
/// The prompt, as redis-cli's repl: `host:port> `, a line split like sdssplitargs, an optional repeat
/// count first (`3 INCR n`), `quit`/`exit`, `clear`. On a terminal: a line editor with history
/// (up/down, kept in ~/.store_cli_history or STORE_CLI_HISTFILE), Tab completion of command names
/// and grey hints (the rest of a command's name while it is typed, then its arguments from COMMAND
/// DOCS). With stdin not a terminal, lines are read and run with no prompt, as linenoise does.
/// </summary>
internal sealed class Repl(Cli cli)
{
    readonly string prompt = cli.Store.HostPort + "> ";
    readonly List<string> history = [];
    Task<Dictionary<string, List<string>>>? docs;
    string? historyFile;

    public async Task<int> RunAsync()
    {
        var terminal = !Console.IsInputRedirected;
        if (terminal)
        {
            historyFile = Environment.GetEnvironmentVariable("STORE_CLI_HISTFILE") is { Length: > 0 } f ? f
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".store_cli_history");
            LoadHistory();
            docs = LoadDocsAsync();
        }
        while ((terminal ? ReadLine() : Console.In.ReadLine()) is { } line)
        {
            if (line.Length == 0) continue;
            var args = Arguments.Split(line);
            if (args is null)
            {
                Console.Out.Write("Invalid argument(s)\n");
                Console.Out.Flush();
                if (terminal) AddHistory(line);
                continue;
            }
            if (args.Count == 0) continue;
            long repeat = 1;
            var first = Encoding.UTF8.GetString(args[0]);
            if (args.Count > 1 && long.TryParse(first, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n))
            {
                if (n <= 0)
                {
                    Console.Out.Write("Invalid redis-cli repeat command option value.\n");
                    Console.Out.Flush();
                    continue;
                }
                repeat = n;
                args.RemoveAt(0);
                first = Encoding.UTF8.GetString(args[0]);
            }
            if (terminal) AddHistory(line);
            if (first.Equals("quit", StringComparison.OrdinalIgnoreCase) || first.Equals("exit", StringComparison.OrdinalIgnoreCase)) return 0;
            if (args.Count == 1 && first.Equals("clear", StringComparison.OrdinalIgnoreCase))
            {
                Console.Out.Write("\x1b[H\x1b[2J");
                continue;
            }
            var clock = Stopwatch.StartNew();
            try
            {
                await cli.RunCommandAsync(args, repeat);
            }
            catch (CliException e)
            {
                Console.Out.Write(e.Message + "\n");
            }
            Console.Out.Flush();
            // redis-cli prints the time of slow commands; only at a terminal here, where a person reads it
            // (a script's output stays the same whatever the store's latency).
            if (terminal && clock.ElapsedMilliseconds >= 500 && cli.Mode == OutputMode.Standard)
                Console.Out.Write(string.Create(CultureInfo.InvariantCulture, $"({clock.ElapsedMilliseconds / 1000.0:0.00}s)\n"));
        }
        return 0;
    }

    void LoadHistory()
    {
        try
        {
            if (historyFile is not null && File.Exists(historyFile))
                history.AddRange(File.ReadAllLines(historyFile).Where(l => l.Length > 0).TakeLast(MaxHistory));
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    const int MaxHistory = 100; // linenoise's default

    void AddHistory(string line)
    {
        if (history.Count > 0 && history[^1] == line) return;
        history.Add(line);
        if (history.Count > MaxHistory) history.RemoveAt(0);
        try
        {
            if (historyFile is not null) File.WriteAllLines(historyFile, history);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Command name (upper case) -> its arguments as redis-cli's hints write them, from COMMAND DOCS; empty if the store does not answer.</summary>
    async Task<Dictionary<string, List<string>>> LoadDocsAsync()
    {
        var result = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        try
        {
            if (await cli.Store.ExecuteAsync([Encoding.UTF8.GetBytes("COMMAND"), Encoding.UTF8.GetBytes("DOCS")]) is not ArrayReply { Items: var items }) return result;
            for (var i = 0; i + 1 < items.Count; i += 2)
            {
                if (items[i] is not BulkReply name || items[i + 1] is not ArrayReply doc) continue;
                var arguments = Field(doc, "arguments") as ArrayReply;
                result[Encoding.UTF8.GetString(name.Bytes).ToUpperInvariant()] =
                    arguments?.Items.OfType<ArrayReply>().Select(Render).ToList() ?? [];
            }
        }
        catch (Exception e) when (e is CliException or HttpRequestException or System.Text.Json.JsonException) { }
        return result;
    }

    static Reply? Field(ArrayReply map, string key)
    {
        for (var i = 0; i + 1 < map.Items.Count; i += 2)
            if (Text(map.Items[i]) == key) return map.Items[i + 1];
        return null;
    }

    static string? Text(Reply r) => r switch { BulkReply b => Encoding.UTF8.GetString(b.Bytes), StatusReply s => s.Text, _ => null };

    /// <summary>One argument as redis-cli's help writes it: `key`, `[NX|XX]`, `EX seconds`, `field value [field value ...]`.</summary>
    static string Render(ArrayReply arg)
    {
        var name = Text(Field(arg, "name") ?? NilReply.Instance) ?? "";
        var type = Text(Field(arg, "type") ?? NilReply.Instance) ?? "";
        var token = Text(Field(arg, "token") ?? NilReply.Instance);
        var flags = (Field(arg, "flags") as ArrayReply)?.Items.Select(Text).ToHashSet() ?? [];
        var children = (Field(arg, "arguments") as ArrayReply)?.Items.OfType<ArrayReply>().Select(Render).ToList() ?? [];
        var inner = type switch
        {
            "pure-token" => token ?? name,
            "oneof" => string.Join('|', children),
            "block" => string.Join(' ', children),
            _ => name,
        };
        if (token is not null && type != "pure-token") inner = token + " " + inner;
        if (flags.Contains("multiple") || flags.Contains("multiple_token")) inner = $"{inner} [{inner} ...]";
        return flags.Contains("optional") ? $"[{inner}]" : inner;
    }

    /// <summary>The grey hint after the typed line: the rest of a command name, or the arguments not typed yet.</summary>
    string Hint(string line)
    {
        if (docs is not { IsCompletedSuccessfully: true } || line.Length == 0 || line.StartsWith(' ')) return "";
        var commands = docs.Result;
        var words = Arguments.Split(line);
        if (words is null || words.Count == 0) return "";
        var name = Encoding.UTF8.GetString(words[0]);
        if (words.Count == 1 && !line.EndsWith(' '))
        {
            var match = commands.Keys.Where(k => k.StartsWith(name, StringComparison.OrdinalIgnoreCase) && k.Length > name.Length && !k.Contains(' ')).Order(StringComparer.Ordinal).FirstOrDefault();
            if (match is null) return "";
            return name.Any(char.IsLower) ? match[name.Length..].ToLowerInvariant() : match[name.Length..]; // in the case being typed
        }
        if (!commands.TryGetValue(name, out var arguments)) return "";
        var typed = words.Count - 1;
        var left = arguments.Skip(typed).ToList();
        if (left.Count == 0) return "";
        return (line.EndsWith(' ') ? "" : " ") + string.Join(' ', left);
    }

    /// <summary>
    /// One line from the terminal. Written by hand (a few keys over Console.ReadKey) because no
    /// maintained .NET library offers a history-aware line editor: Spectre.Console's prompts have no
    /// history and RadLine is a preview; Spectre colours the hint.
    /// </summary>
    string? ReadLine()
    {
        var buffer = new StringBuilder();
        var cursor = 0;
        var browsing = history.Count; // index into history; Count = the line being typed
        var typed = "";
        var previous = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            Render(buffer, cursor);
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        Render(buffer, buffer.Length, hint: false);
                        Console.Out.Write("\n");
                        return buffer.ToString();
                    case ConsoleKey.C when control:
                        Console.Out.Write("\n");
                        return null;
                    case ConsoleKey.D when control:
                        if (buffer.Length == 0) { Console.Out.Write("\n"); return null; }
                        if (cursor < buffer.Length) buffer.Remove(cursor, 1);
                        break;
                    case ConsoleKey.Backspace or ConsoleKey.H when key.Key == ConsoleKey.Backspace || control:
                        if (cursor > 0) buffer.Remove(--cursor, 1);
                        break;
                    case ConsoleKey.Delete:
                        if (cursor < buffer.Length) buffer.Remove(cursor, 1);
                        break;
                    case ConsoleKey.LeftArrow or ConsoleKey.B when key.Key == ConsoleKey.LeftArrow || control:
                        if (cursor > 0) cursor--;
                        break;
                    case ConsoleKey.RightArrow or ConsoleKey.F when key.Key == ConsoleKey.RightArrow || control:
                        if (cursor < buffer.Length) cursor++;
                        break;
                    case ConsoleKey.Home or ConsoleKey.A when key.Key == ConsoleKey.Home || control:
                        cursor = 0;
                        break;
                    case ConsoleKey.End or ConsoleKey.E when key.Key == ConsoleKey.End || control:
                        cursor = buffer.Length;
                        break;
                    case ConsoleKey.U when control:
                        buffer.Clear();
                        cursor = 0;
                        break;
                    case ConsoleKey.K when control:
                        buffer.Length = cursor;
                        break;
                    case ConsoleKey.L when control:
                        Console.Out.Write("\x1b[H\x1b[2J");
                        break;
                    case ConsoleKey.UpArrow or ConsoleKey.P when key.Key == ConsoleKey.UpArrow || control:
                    case ConsoleKey.DownArrow or ConsoleKey.N when key.Key == ConsoleKey.DownArrow || control:
                        var up = key.Key is ConsoleKey.UpArrow or ConsoleKey.P;
                        if (browsing == history.Count) typed = buffer.ToString();
                        var next = Math.Clamp(browsing + (up ? -1 : 1), 0, history.Count);
                        if (next != browsing)
                        {
                            browsing = next;
                            buffer.Clear().Append(browsing == history.Count ? typed : history[browsing]);
                            cursor = buffer.Length;
                        }
                        break;
                    case ConsoleKey.Tab:
                        var hint = Hint(buffer.ToString());
                        var words = buffer.ToString();
                        if (hint.Length > 0 && !words.Contains(' ')) // complete the command's name
                        {
                            buffer.Append(hint);
                            cursor = buffer.Length;
                        }
                        break;
                    default:
                        if (key.KeyChar >= ' ' && !control)
                        {
                            buffer.Insert(cursor++, key.KeyChar);
                        }
                        break;
                }
                Render(buffer, cursor);
            }
        }
        finally
        {
            Console.TreatControlCAsInput = previous;
        }
    }

    void Render(StringBuilder buffer, int cursor, bool hint = true)
    {
        var line = buffer.ToString();
        Console.Out.Write("\r" + prompt + line);
        var width = Console.IsOutputRedirected ? 80 : Math.Max(Console.WindowWidth, 20);
        var room = width - prompt.Length - line.Length - 1;
        var text = hint ? Hint(line) : "";
        if (text.Length > 0 && room > 0)
        {
            Console.Out.Flush();
            AnsiConsole.Markup("[grey]" + Markup.Escape(text.Length > room ? text[..room] : text) + "[/]");
        }
        Console.Out.Write("\x1b[0K\r");
        var column = prompt.Length + cursor;
        if (column > 0) Console.Out.Write($"\x1b[{column}C");
        Console.Out.Flush();
    }
}
