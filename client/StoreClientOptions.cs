namespace Serverless.Store.Client;

/// <summary>
/// Where the store is and how to call it. Bound from configuration by
/// <c>services.AddServerlessStore(configuration.GetSection("ServerlessStore"))</c>
/// (<c>"ServerlessStore": {"Url": "https://&lt;app&gt;/api", "Token": "..."}</c>).
/// </summary>
public sealed class StoreClientOptions
{
    /// <summary>The default configuration section.</summary>
    public const string SectionName = "ServerlessStore";

    /// <summary>The store's REST base, e.g. <c>https://&lt;app&gt;.azurewebsites.net/api</c> or <c>http://127.0.0.1:7071/api</c>.</summary>
    public string? Url { get; set; }

    /// <summary>
    /// The store's token (<c>STORE_TOKEN</c>, or <c>STORE_READONLY_TOKEN</c> for read commands), sent
    /// as <c>Authorization: Bearer</c>. Never logged. Empty: no header (a store without tokens serves
    /// loopback clients only).
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// Combine concurrent single-key commands into one <c>/pipeline</c> request (default false).
    /// Commands issued while others are being sent share the next request; the store runs a
    /// pipeline's commands per key in parallel, so under concurrency this means fewer requests and
    /// one entity operation per key for many commands. Multi-key and blocking commands, and commands
    /// holding bytes JSON cannot carry, are always sent on their own. See docs/benchmarks.md.
    /// </summary>
    public bool AutoBatch { get; set; }

    /// <summary>The largest number of commands one automatic batch holds (at most 1,000, the store's limit).</summary>
    public int AutoBatchMaxCommands { get; set; } = 100;

    /// <summary>How many times a transient failure is retried (for commands that are safe to retry; see the README).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay; later ones grow exponentially, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The base URL, checked: absolute http(s), no token in it, no trailing slash.</summary>
    internal Uri BaseUri()
    {
        if (string.IsNullOrWhiteSpace(Url))
            throw new InvalidOperationException($"{SectionName}:Url is not set: set it to the store's REST base, e.g. https://<app>.azurewebsites.net/api (local: http://127.0.0.1:7071/api)");
        if (!Uri.TryCreate(Url.Trim().TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new InvalidOperationException($"{SectionName}:Url must be an absolute http(s) URL such as https://<app>.azurewebsites.net/api; it is '{Url}'");
        if (uri.Query.Contains("_token=", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{SectionName}:Url holds a token (_token=...): URLs end up in logs; put the token in {SectionName}:Token instead");
        if (AutoBatchMaxCommands is < 1 or > RestProtocol.MaxCommandsPerRequest)
            throw new InvalidOperationException($"{SectionName}:AutoBatchMaxCommands must be 1 to {RestProtocol.MaxCommandsPerRequest}; it is {AutoBatchMaxCommands}");
        if (MaxRetries < 0) throw new InvalidOperationException($"{SectionName}:MaxRetries must be 0 or more; it is {MaxRetries}");
        return uri;
    }
}
