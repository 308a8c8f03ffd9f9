using System.Text;
using Serverless.Store.Commands;

namespace Serverless.Store.Keyspace;

/// <summary>
/// Redis's <c>notify-keyspace-events</c> (notify.c): the setting <c>NotifyKeyspaceEvents</c> holds
/// its letters. K = <c>__keyspace@0__:&lt;key&gt;</c> messages (data: the event), E =
/// <c>__keyevent@0__:&lt;event&gt;</c> messages (data: the key); the classes: g generic, $ string,
/// l list, s set, h hash, z sorted set, x expired, e evicted, t stream, m key miss, d module, n new
/// key; A = "g$lshzxetd". Empty = off, as in Redis, and so is a value naming no K or E.
/// </summary>
public sealed class KeyspaceNotifications
{
    public const string Setting = "NotifyKeyspaceEvents";
    const string Classes = "g$lshzxetdmn";
    const string All = "g$lshzxetd";

    public static readonly KeyspaceNotifications Off = new(false, false, "");

    /// <summary>
    /// The process's setting, set once by the host at startup. Static because the key entity and
    /// the locked orchestration, which raise the events, are constructed by the Functions SDK
    /// without the host's services (orchestrators need a parameterless constructor).
    /// </summary>
    public static KeyspaceNotifications Current { get; set; } = Off;

    public bool Keyspace { get; }
    public bool Keyevent { get; }
    readonly string classes;

    KeyspaceNotifications(bool keyspace, bool keyevent, string classes)
    {
        Keyspace = keyspace;
        Keyevent = keyevent;
        this.classes = classes;
    }

    /// <summary>True when events are published at all (K or E, and at least one class).</summary>
    public bool Enabled => (Keyspace || Keyevent) && classes.Length > 0;

    /// <summary>Parses the letters; an unknown letter is an error naming it (Redis answers CONFIG SET with an error too).</summary>
    public static KeyspaceNotifications Parse(string? letters)
    {
        if (string.IsNullOrEmpty(letters)) return Off;
        bool k = false, e = false;
        var set = new HashSet<char>();
        foreach (var c in letters)
        {
            if (c == 'K') k = true;
            else if (c == 'E') e = true;
            else if (c == 'A') set.UnionWith(All);
            else if (Classes.Contains(c)) set.Add(c);
            else throw new FormatException($"{Setting}: '{c}' is not a notify-keyspace-events letter (use K, E, A and g$lshzxetdmn, e.g. \"KEA\")");
        }
        return new KeyspaceNotifications(k, e, new string(Classes.Where(set.Contains).ToArray()));
    }

    public bool Wants(KeyspaceEvent e) => Enabled && classes.Contains(e.Class);

    /// <summary>The events of <paramref name="events"/> this setting publishes.</summary>
    public List<KeyspaceEvent> Filter(IEnumerable<KeyspaceEvent>? events) => events?.Where(Wants).ToList() ?? [];

    /// <summary>The messages for one event: (channel, data), keyspace first as Redis sends them.</summary>
    public IEnumerable<(string Channel, string Data)> Messages(KeyspaceEvent e)
    {
        var key = Encoding.UTF8.GetString(e.Key);
        if (Keyspace) yield return ("__keyspace@0__:" + key, e.Name);
        if (Keyevent) yield return ("__keyevent@0__:" + e.Name, key);
    }

    /// <summary>
    /// The letters as Redis prints them (keyspaceEventsFlagsToString, CONFIG GET's form): "A" for
    /// all of g$lshzxetd (then, as in Redis, without n), else the classes in Redis's order, then K,
    /// E, and m last.
    /// </summary>
    public override string ToString() =>
        (All.All(classes.Contains) ? "A" : new string("g$lshzxetdn".Where(classes.Contains).ToArray()))
        + (Keyspace ? "K" : "") + (Keyevent ? "E" : "") + (classes.Contains('m') ? "m" : "");
}
