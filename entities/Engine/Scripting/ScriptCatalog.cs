using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace Serverless.Store.Scripting;

/// <summary>
/// Where a script command finds what it runs: the scripts cached by sha1 (EVALSHA, and EVAL caches
/// what it runs, as Redis does) and the function libraries (FCALL). A store backs it with its
/// shared cache; the engine's own is <see cref="ScriptCatalog"/>.
/// </summary>
public interface IScriptSource
{
    /// <summary>The body of a cached script by its sha1 (40 lower-case hex digits), or null (NOSCRIPT).</summary>
    byte[]? FindScript(string sha1);

    /// <summary>Caches a script EVAL compiled (it is then known to EVALSHA everywhere).</summary>
    void AddScript(string sha1, byte[] body);

    /// <summary>The library that registers function <paramref name="name"/> (names are case-sensitive), or null.</summary>
    FunctionLibrary? FindLibraryOf(string name);
}

/// <summary>One function of a library, as FUNCTION LOAD registered it.</summary>
public sealed record FunctionInfo(
    [property: JsonPropertyName("n")] string Name,
    [property: JsonPropertyName("d")] string? Description,
    [property: JsonPropertyName("f")] ScriptFlags Flags);

/// <summary>
/// A function library: its name, its whole code as loaded ("#!lua name=lib\n..."; FUNCTION DUMP and
/// RDB files carry exactly this) and the functions its code registered.
/// </summary>
public sealed record FunctionLibrary(
    [property: JsonPropertyName("n")] string Name,
    [property: JsonPropertyName("c")] byte[] Code,
    [property: JsonPropertyName("f")] IReadOnlyList<FunctionInfo> Functions)
{
    [JsonIgnore] public string Engine => "LUA";

    public FunctionInfo? Function(string name)
    {
        foreach (var f in Functions)
            if (f.Name == name) return f;
        return null;
    }
}

/// <summary>
/// The script cache and the function libraries as data: what SCRIPT and FUNCTION change
/// (<see cref="ScriptCommands"/> runs them as functions of this state) and what EVALSHA and FCALL
/// read. It serializes with System.Text.Json, so a store can keep it in one durable entity. The
/// engine alone (tests, a bare keyspace) uses <see cref="Local"/>. Thread-safe.
/// </summary>
public sealed class ScriptCatalog : IScriptSource
{
    readonly object gate = new();

    /// <summary>The process's own catalog, for contexts given none (tests, the in-memory engine).</summary>
    public static ScriptCatalog Local { get; } = new();

    /// <summary>Cached scripts by sha1 (lower-case hex).</summary>
    [JsonPropertyName("s"), JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)]
    public Dictionary<string, byte[]> Scripts { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Function libraries by name, in load order.</summary>
    [JsonPropertyName("l"), JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)]
    public List<FunctionLibrary> Libraries { get; init; } = [];

    public byte[]? FindScript(string sha1)
    {
        lock (gate) return Scripts.GetValueOrDefault(sha1);
    }

    public void AddScript(string sha1, byte[] body)
    {
        lock (gate) Scripts.TryAdd(sha1, body);
    }

    public bool HasScript(string sha1)
    {
        lock (gate) return Scripts.ContainsKey(sha1);
    }

    public void FlushScripts()
    {
        lock (gate) Scripts.Clear();
    }

    public FunctionLibrary? FindLibraryOf(string name)
    {
        lock (gate)
        {
            foreach (var library in Libraries)
                if (library.Function(name) is not null) return library;
            return null;
        }
    }

    public FunctionLibrary? Library(string name)
    {
        lock (gate) return Libraries.Find(l => l.Name == name);
    }

    /// <summary>Every library, in load order (a copy).</summary>
    public IReadOnlyList<FunctionLibrary> AllLibraries()
    {
        lock (gate) return Libraries.ToArray();
    }

    /// <summary>Replaces the whole set of libraries (FUNCTION FLUSH, RESTORE, a file loaded).</summary>
    public void SetLibraries(IEnumerable<FunctionLibrary> libraries)
    {
        lock (gate)
        {
            var list = libraries.ToList();
            Libraries.Clear();
            Libraries.AddRange(list);
        }
    }

    /// <summary>The sha1 EVAL and SCRIPT LOAD name a script by: 40 lower-case hex digits (sha1hex).</summary>
    public static string Sha1Hex(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA1.HashData(body));
}
