using System.Reflection;
using System.Text.Json;
using Serverless.Store.Protocol;

namespace Serverless.Store.Commands;

/// <summary>
/// COMMAND DOCS's data, kept as data: <c>CommandDocs.json</c> is redis-server 7.0.15's own COMMAND
/// DOCS (written by tests/tools/command-docs.sh, checked against redis-server by the tests), and
/// <c>CommandDocs.Newer.json</c> holds the commands newer than 7.0 in the same shape, written from
/// redis.io's command pages. Both are embedded in the engine; only commands of the table are
/// answered, and a container's subcommands only as far as the table has them.
/// </summary>
public static class CommandDocs
{
    static readonly Lazy<Dictionary<string, JsonElement>> Docs = new(Load);

    static Dictionary<string, JsonElement> Load()
    {
        var docs = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var resource in new[] { "CommandDocs.json", "CommandDocs.Newer.json" })
        {
            using var stream = typeof(CommandDocs).Assembly.GetManifestResourceStream("Serverless.Store.Commands." + resource)
                ?? throw new InvalidOperationException($"the engine lacks its embedded {resource}");
            using var json = JsonDocument.Parse(stream);
            foreach (var command in json.RootElement.GetProperty("commands").EnumerateObject())
                docs[command.Name] = command.Value.Clone();
        }
        return docs;
    }

    /// <summary>
    /// COMMAND DOCS [name ...]: name/docs pairs for every command of the table, or for the names
    /// given ("get", "config|get") that name one; unknown names are left out, as in Redis.
    /// </summary>
    public static Reply Reply(IEnumerable<string>? names)
    {
        var pairs = new List<Reply>();
        if (names is null)
        {
            foreach (var spec in CommandTable.All) Add(pairs, spec.Name, spec, null);
            return Protocol.Reply.Array(pairs);
        }
        foreach (var name in names)
        {
            var bar = name.IndexOf('|');
            var spec = CommandTable.Find(bar < 0 ? name : name[..bar]);
            if (spec is null) continue;
            if (bar < 0)
            {
                Add(pairs, spec.Name, spec, null);
                continue;
            }
            var sub = spec.FindSubcommand(System.Text.Encoding.UTF8.GetBytes(name[(bar + 1)..]));
            if (sub is not null) Add(pairs, spec.Name + "|" + sub.Name, spec, sub);
        }
        return Protocol.Reply.Array(pairs);
    }

    /// <summary>Whether the data has docs for a command of the table (the tests check that every one has).</summary>
    public static bool Has(string fullName) => Find(fullName) is not null;

    static void Add(List<Reply> pairs, string fullName, CommandSpec spec, SubcommandSpec? sub)
    {
        if (Find(fullName) is not { } docs) return;
        pairs.Add(Protocol.Reply.Bulk(fullName));
        pairs.Add(Map(docs, sub is null ? spec : null));
    }

    static JsonElement? Find(string fullName)
    {
        var bar = fullName.IndexOf('|');
        if (bar < 0) return Docs.Value.TryGetValue(fullName, out var docs) ? docs : null;
        if (!Docs.Value.TryGetValue(fullName[..bar], out var parent) || !parent.TryGetProperty("subcommands", out var subs)) return null;
        return subs.TryGetProperty(fullName.ToLowerInvariant(), out var sub) ? sub : null;
    }

    /// <summary>
    /// A docs map as Redis's RESP2 reply: a flat [key, value, ...] array. Text is a bulk string,
    /// numbers (key_spec_index) integers, flags (doc_flags, an argument's flags) simple strings;
    /// a container's subcommands are those of <paramref name="container"/>'s row, in the data's order.
    /// </summary>
    static Reply Map(JsonElement map, CommandSpec? container)
    {
        var items = new List<Reply>();
        foreach (var property in map.EnumerateObject())
        {
            Reply value;
            if (property.Name == "subcommands")
            {
                var subs = new List<Reply>();
                foreach (var sub in property.Value.EnumerateObject())
                {
                    var name = sub.Name[(sub.Name.IndexOf('|') + 1)..];
                    if (container?.Subcommands?.Any(s => s.Name == name) != true) continue;
                    subs.Add(Protocol.Reply.Bulk(sub.Name));
                    subs.Add(Map(sub.Value, null));
                }
                value = Protocol.Reply.Array(subs);
            }
            else if (property.Name is "flags" or "doc_flags")
                value = Protocol.Reply.Array(property.Value.EnumerateArray().Select(f => Protocol.Reply.Simple(f.GetString()!)).ToArray());
            else
                value = Value(property.Value);
            items.Add(Protocol.Reply.Bulk(property.Name));
            items.Add(value);
        }
        return Protocol.Reply.Array(items);
    }

    static Reply Value(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => Protocol.Reply.Bulk(element.GetString()!),
        JsonValueKind.Number => Protocol.Reply.Integer(element.GetInt64()),
        JsonValueKind.Array => Protocol.Reply.Array(element.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Object ? Map(e, null) : Value(e)).ToArray()),
        JsonValueKind.Object => Map(element, null),
        _ => throw new InvalidOperationException($"COMMAND DOCS data holds an unexpected {element.ValueKind}"),
    };
}
