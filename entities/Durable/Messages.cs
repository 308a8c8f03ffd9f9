using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.DurableTask.Entities;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Scripting;

namespace Serverless.Store.Durable;

/// <summary>
/// Commands sent to an entity: JSON [[arg, ...], ...] with each argument a string or [base64]
/// (see <see cref="Protocol.ArgsJsonConverter"/>). Sealed with its own converter so it serializes
/// the same however the Durable Task data converter is configured.
/// </summary>
[JsonConverter(typeof(CommandBatchJsonConverter))]
public sealed class CommandBatch(byte[][][] commands)
{
    public byte[][][] Commands { get; } = commands;

    public static CommandBatch Of(params byte[][][] commands) => new(commands);

    public static CommandBatch Of(IEnumerable<CommandPlan> plans) => new(plans.Select(p => p.Args).ToArray());
}

/// <summary>
/// One request in the key entity's <c>submit</c> operation: the caller's request id, under which the
/// entity stores the replies in its state (where the caller reads them), and the commands, run
/// atomically on the entity's key.
/// </summary>
public sealed class SubmitRequest
{
    [JsonPropertyName("i")] public string Id { get; set; } = "";
    [JsonPropertyName("c")] public CommandBatch Commands { get; set; } = CommandBatch.Of();
    [JsonPropertyName("x"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ScriptReach? Reach { get; set; }
    /// <summary>CONFIG SET's settings as the sending process knows them (null: none set, the entity's process's defaults).</summary>
    [JsonPropertyName("g"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ServerSettings? Settings { get; set; }

    /// <summary>A fresh request id: 96 random bits, base64url (16 characters), unique enough to find one reply among a key's recent ones.</summary>
    public static string NewId()
    {
        Span<byte> bytes = stackalloc byte[12];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
    }
}

/// <summary>
/// The key entity's <c>load</c> operation: puts a state as it is (restore) or deletes the key (null:
/// FLUSHALL), with the caller's request id, under which an empty reply is stored once it is done.
/// <see cref="Key"/> names the key in a hash tag's entity; <see cref="All"/> deletes every key the entity holds.
/// </summary>
public sealed class LoadRequest
{
    [JsonPropertyName("i")] public string Id { get; set; } = "";
    [JsonPropertyName("y"), JsonConverter(typeof(BytesJsonConverter)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public byte[]? Key { get; set; }
    [JsonPropertyName("s"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public KeyState? State { get; set; }
    [JsonPropertyName("a"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool All { get; set; }
}

/// <summary>
/// The key entity's <c>expire</c>: deletes <see cref="Key"/> (the entity's own key when null) if its
/// state's version is still <see cref="Version"/> and its expiry is past.
/// </summary>
public sealed class ExpireRequest
{
    [JsonPropertyName("y"), JsonConverter(typeof(BytesJsonConverter)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public byte[]? Key { get; set; }
    [JsonPropertyName("v")] public long Version { get; set; }
}

/// <summary>
/// One step of a multi-key command or transaction (<see cref="KeyEntity"/>'s <c>step</c>, the lock
/// chain): sent to the participants in the order of <see cref="Keys"/>, each locking itself and
/// adding its key's state before passing the step on; the last one runs the commands on all the
/// states and sends each earlier one a <see cref="ChainCommit"/>. The clock and the random seed are
/// the caller's, so a batch the backend runs again computes the same thing.
/// </summary>
public sealed class ChainStep
{
    [JsonPropertyName("i")] public string Id { get; set; } = "";
    /// <summary>The participants' entity keys, sorted (ordinal): every chain locks in that order, so no two wait on each other.</summary>
    [JsonPropertyName("k")] public string[] Keys { get; set; } = [];
    /// <summary>The position in <see cref="Keys"/> of the participant this step is for.</summary>
    [JsonPropertyName("n")] public int Index { get; set; }
    [JsonPropertyName("c")] public CommandBatch Commands { get; set; } = CommandBatch.Of();
    [JsonPropertyName("t")] public long NowMs { get; set; }
    [JsonPropertyName("r")] public int Seed { get; set; }
    /// <summary>The states of the keys the commands name in <see cref="Keys"/>[0..<see cref="Index"/>), as the earlier participants hold them locked.</summary>
    [JsonPropertyName("s")] public List<HeldKey> Held { get; set; } = [];
    [JsonPropertyName("x"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ScriptReach? Reach { get; set; }
    /// <summary>CONFIG SET's settings as the sending process knows them (see <see cref="SubmitRequest.Settings"/>).</summary>
    [JsonPropertyName("g"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ServerSettings? Settings { get; set; }
}

/// <summary>
/// What commands that run scripts carry to the entities beside the commands (docs/scripting.md,
/// "On the durable store"): the scripts and libraries they call (the entity has no catalog of its
/// own), the keys a run of them asked for past the keys they name, and whether they list keys
/// (KEYS or SCAN in a script: the held keys are then the keys listed for it).
/// </summary>
public sealed class ScriptReach
{
    [JsonPropertyName("s"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ScriptCatalog? Scripts { get; set; }
    [JsonPropertyName("k"), JsonConverter(typeof(Protocol.ArgsJsonConverter))] public byte[][] Keys { get; set; } = [];
    [JsonPropertyName("l"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Listing { get; set; }

    /// <summary>The context a command of a request runs in, with the scripts it brought (none: no script is known, never the process's own catalog).</summary>
    public static CommandContext Context(ScriptReach? reach, IKeyspace keyspace, long nowMs, Random? random, bool recordEvents, IServerStats? server = null,
        IServerConfig? config = null) =>
        new(keyspace, nowMs, random)
        {
            RecordEvents = recordEvents, Server = server, Scripts = reach?.Scripts is { } scripts ? new Brought(scripts) : NoScripts.Instance,
            Config = config,
        };

    /// <summary>True when a script run asked for keys it was not given (then nothing of the request may be stored).</summary>
    public static bool NeedsKeys(IReadOnlyList<Protocol.Reply> replies)
    {
        foreach (var reply in replies)
            if (reply is Protocol.KeysNeededReply) return true;
        return false;
    }

    /// <summary>
    /// The scripts a request brought, to find only: SCRIPT and FUNCTION (inside MULTI) cannot change
    /// them here (they change the store's catalog, see ScriptCatalogs), and EVAL's own caching is the caller's.
    /// </summary>
    sealed class Brought(ScriptCatalog scripts) : IScriptSource
    {
        public byte[]? FindScript(string sha1) => scripts.FindScript(sha1);
        public void AddScript(string sha1, byte[] body) { }
        public FunctionLibrary? FindLibraryOf(string name) => scripts.FindLibraryOf(name);
    }

    sealed class NoScripts : IScriptSource
    {
        public static readonly NoScripts Instance = new();
        public byte[]? FindScript(string sha1) => null;
        public void AddScript(string sha1, byte[] body) { }
        public FunctionLibrary? FindLibraryOf(string name) => null;
    }
}

/// <summary>
/// The end of a chain for one earlier participant: the new states of its keys that the commands
/// changed (null: deleted), to store before it unlocks.
/// </summary>
public sealed class ChainCommit
{
    [JsonPropertyName("i")] public string Id { get; set; } = "";
    [JsonPropertyName("s")] public List<HeldKey> Changes { get; set; } = [];

    /// <summary>The chain's entities (its last one ran it): what a reader must find stored too (<see cref="ChainMark"/>).</summary>
    [JsonPropertyName("e"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string[]? Entities { get; set; }
}

/// <summary>
/// The last chain whose changes an entity took from a commit. The backend sends a batch's messages
/// before it stores the batch's state, so a commit can reach this entity (and unlock it) before the
/// chain's last entity has stored its own part: a consistent read that holds both accepts them only
/// once that entity's record holds the chain's reply (<see cref="KeyReads.ReadConsistentAsync"/>).
/// </summary>
public sealed class ChainMark
{
    [JsonPropertyName("i")] public string Id { get; set; } = "";
    [JsonPropertyName("e")] public string[] Entities { get; set; } = [];
    [JsonPropertyName("t")] public long AtMs { get; set; }
}

/// <summary>A key and its state (null: missing) as a chain carries it. JSON [key, state or null].</summary>
[JsonConverter(typeof(HeldKeyJsonConverter))]
public sealed record HeldKey(byte[] Key, KeyState? State);

public sealed class HeldKeyJsonConverter : JsonConverter<HeldKey>
{
    static readonly BytesJsonConverter Bytes = new();

    public override HeldKey Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected [key, state]");
        reader.Read();
        var key = Bytes.Read(ref reader, typeof(byte[]), options);
        reader.Read();
        var state = reader.TokenType == JsonTokenType.Null ? null : JsonSerializer.Deserialize<KeyState>(ref reader, options);
        reader.Read();
        if (reader.TokenType != JsonTokenType.EndArray) throw new JsonException("expected the end of [key, state]");
        return new HeldKey(key, state);
    }

    public override void Write(Utf8JsonWriter writer, HeldKey value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        Bytes.Write(writer, value.Key, options);
        if (value.State is null) writer.WriteNullValue(); else JsonSerializer.Serialize(writer, value.State, options);
        writer.WriteEndArray();
    }
}

public sealed class CommandBatchJsonConverter : JsonConverter<CommandBatch>
{
    public override CommandBatch Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array of commands");
        var commands = new List<byte[][]>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            commands.Add(Protocol.ArgsJsonConverter.Instance.Read(ref reader, typeof(byte[][]), options));
        return new CommandBatch(commands.ToArray());
    }

    public override void Write(Utf8JsonWriter writer, CommandBatch value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var command in value.Commands) Protocol.ArgsJsonConverter.Instance.Write(writer, command, options);
        writer.WriteEndArray();
    }
}

/// <summary>
/// Where key entities send the keyspace events of their committed writes: the pub/sub subscription
/// registry entity (entities/PubSub), named here so the durable layer does not depend on pub/sub.
/// </summary>
public static class KeyspaceEventSink
{
    public const string EntityName = "pubsub";
    public const string Notify = "notify";
    public static readonly EntityInstanceId Id = new(EntityName, "registry");

    /// <summary>
    /// Signals the events to the registry from inside an entity operation: a signal leaves with the
    /// batch's commit, so an event goes out only for a write that was stored (a retried commit can
    /// repeat it); signals from one entity to another arrive in order, so a key's events keep theirs.
    /// </summary>
    public static void Publish(TaskEntityContext context, List<KeyspaceEvent> events, ServerSettings? settings = null)
    {
        if (events.Count > 0) context.SignalEntity(Id, Notify, KeyspaceEventBatch.Of(events, settings?.NotifyKeyspaceEvents));
    }
}

/// <summary>Keyspace events as the registry's <c>notify</c> takes them: [[class, event, key], ...], the key as text.</summary>
public sealed class KeyspaceEventBatch
{
    [JsonPropertyName("e")] public List<string[]> Events { get; set; } = [];

    /// <summary>CONFIG SET's notify-keyspace-events the events were chosen by (null: the registry's process's setting).</summary>
    [JsonPropertyName("n"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Notify { get; set; }

    /// <summary>The channels these events go to (keyspace, keyevent or both).</summary>
    [JsonIgnore] public KeyspaceNotifications Notifications =>
        Notify is null ? KeyspaceNotifications.Current : (ServerSettings.Default with { NotifyKeyspaceEvents = Notify }).Notifications;

    public static KeyspaceEventBatch Of(IEnumerable<KeyspaceEvent> events, string? notify = null) =>
        new() { Events = events.Select(e => new[] { e.Class.ToString(), e.Name, Encoding.UTF8.GetString(e.Key) }).ToList(), Notify = notify };

    public IEnumerable<KeyspaceEvent> ToEvents() =>
        Events.Where(e => e.Length == 3 && e[0].Length == 1).Select(e => new KeyspaceEvent(e[0][0], e[1], Encoding.UTF8.GetBytes(e[2])));
}
